"""HTML and XML with their tags kept (documents/markup.py, alignment.py): the runs a document is cut into, and
the document written back around translations.

The translations here are made by rules (each sentence upper-cased, or its words reversed), so where every
word went is known; the real models' answers are checked through the service (tests/cluster/test_client_apis.py).
"""

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textml.documents.alignment import OffsetMap, Piece, pieces_of
from textml.documents.markup import NO_TAGS, Markup, MarkupError, Tags
from textml.documents.segmentation import joined, sentences


def translate(texts: list[str], rule=str.upper) -> list[tuple[str, OffsetMap]]:
    """Each text sentence by sentence, as the documents core does, with `rule` as the model."""
    out = []
    for text in texts:
        spans = sentences(text)
        parts = [rule(span.of(text)) for span in spans]
        translation = joined(text, spans, parts)
        pieces = pieces_of(translation, [(span.start, span.end, part) for span, part in zip(spans, parts, strict=True)])
        out.append((translation, OffsetMap(translation, pieces)))
    return out


def rendered(document: str, rule=str.upper, kind="html", tags=NO_TAGS) -> str:
    markup = Markup(document, kind, tags)
    return markup.render(translate(markup.texts, rule))


def reversed_words(sentence: str) -> str:
    return " ".join(reversed(sentence.split()))


def test_inline_tags_wrap_the_words_they_wrapped():
    page = '<p>Hello <b>brave</b> new world. It is <a href="x?a=1&amp;b=2" title="T">a link</a>.</p>'
    assert rendered(page) == (
        '<p>HELLO <b>BRAVE</b> NEW WORLD. IT IS <a href="x?a=1&amp;b=2" title="T">A LINK</a>.</p>'
    )


def test_text_before_the_first_tag_of_a_fragment_is_written_escaped():
    assert rendered("a &lt;b and <b>x &amp; y</b> tail &lt; z") == "A &lt;B AND <b>X &amp; Y</b> TAIL &lt; Z"


def test_blocks_split_sentences_and_whitespace_between_them_is_kept():
    page = "<ul>\n  <li>One <i>item</i></li>\n  <li>Two</li>\n</ul><div>Block<p>inner</p>tail</div>Line<br>next"
    markup = Markup(page)
    assert markup.texts == ["One item", "Two", "Block", "inner", "tail", "Line", "next"]
    assert rendered(page) == (
        "<ul>\n  <li>ONE <i>ITEM</i></li>\n  <li>TWO</li>\n</ul><div>BLOCK<p>INNER</p>TAIL</div>LINE<br>NEXT"
    )


def test_untranslated_elements_stay_as_they_are_in_their_place():
    page = (
        'Run <code>ls -l</code> to list. <span class="big notranslate">Keep Me</span> here.'
        "<pre>a  b</pre><script>var x = '<b>';</script><style>p {}</style><!-- a comment -->"
    )
    assert rendered(page) == (
        'RUN <code>ls -l</code> TO LIST. <span class="big notranslate">Keep Me</span> HERE.'
        "<pre>a  b</pre><script>var x = '<b>';</script><style>p {}</style><!-- a comment -->"
    )
    assert Markup(page).texts == ["Run to list. here."]
    # One glued to the word before it stays after that word: "+" keeps its place between the keys.
    assert rendered("<p>Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to copy, or foo<code>()</code>.</p>") == (
        "<p>PRESS <kbd>Ctrl</kbd>+<kbd>C</kbd> TO COPY, OR FOO<code>()</code>.</p>"
    )


def test_entities_are_written_back_as_written():
    assert (
        rendered("<p>A&nbsp;b &copy; 2024 &amp; c &lt;d&gt; é</p>") == "<p>A&nbsp;B &copy; 2024 &amp; C &lt;D&gt; É</p>"
    )


def test_a_whole_document_keeps_its_doctype_head_and_untranslated_parts():
    page = "<!DOCTYPE html><html><head><title>My page</title><style>p{}</style></head><body><p>Hi.</p></body></html>"
    assert rendered(page) == (
        "<!DOCTYPE html>\n<html><head><title>MY PAGE</title><style>p{}</style></head><body><p>HI.</p></body></html>"
    )


def test_a_tag_inside_a_sentence_wraps_the_words_at_its_place():
    """Without the model's word alignment, a tag inside a sentence goes to the same place in its translation."""
    assert rendered("<p>one <b>two</b> three four five</p>", reversed_words) == "<p>five <b>four</b> three two one</p>"
    # A tag around a whole sentence wraps its whole translation.
    assert rendered("<p><em>one two three.</em> Four five.</p>", reversed_words) == (
        "<p><em>three. two one</em> five. Four</p>"
    )


def test_xml_structure_and_the_requests_tag_choices():
    document = "<doc><title>Hello there</title><para>Some <emph>stressed</emph> words.</para><x>keep</x></doc>"
    assert rendered(document, kind="xml", tags=Tags(ignore=frozenset({"x"}))) == (
        "<doc><title>HELLO THERE</title><para>SOME <emph>STRESSED</emph> WORDS.</para><x>keep</x></doc>"
    )
    # Named splitting, a tag among words is a block boundary; named non-splitting, a lone one is inline.
    assert Markup("<p>a <s>b</s> c</p>", "xml", Tags(splitting=frozenset({"s"}))).texts == ["a ", "b", " c"]
    assert Markup("<p><t>a</t><t>b</t></p>", "xml", Tags(non_splitting=frozenset({"t"}))).texts == ["ab"]
    declared = "<?xml version='1.0'?><doc><p>Hi <x:b xmlns:x='urn:x'>you</x:b></p></doc>"
    assert (
        rendered(declared, kind="xml") == "<?xml version='1.0'?>\n<doc><p>HI <x:b xmlns:x=\"urn:x\">YOU</x:b></p></doc>"
    )


def test_an_xml_documents_doctype_and_what_is_around_its_root_are_kept():
    document = '<!DOCTYPE note SYSTEM "note.dtd"><!-- a comment --><note><to>Hello there</to></note><?page 2?>'
    assert rendered(document, kind="xml") == (
        '<!DOCTYPE note SYSTEM "note.dtd">\n<!-- a comment --><note><to>HELLO THERE</to></note><?page 2?>'
    )


@pytest.mark.parametrize(
    "document, kind, named",
    [("<a><b></a>", "xml", "Opening and ending tag mismatch"), ("<p>&nbsp;</p>", "xml", "Entity 'nbsp' not defined")],
)
def test_markup_that_cannot_be_read_is_refused_by_name(document, kind, named):
    with pytest.raises(MarkupError, match=named):
        Markup(document, kind)


def test_external_entities_are_never_loaded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    document = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file://{secret}">]><d>a &e; b</d>'
    assert "SECRET" not in rendered(document, kind="xml")


def test_nothing_to_translate_is_given_back_as_it_was():
    for document in ("", "   ", "<p> </p>", "<img src='a.png'>"):
        assert Markup(document).texts == []
        assert rendered(document) == document


def test_offsets_land_on_word_boundaries_in_their_piece():
    translation = "Guten Tag. Wie geht es?"
    to_target = OffsetMap(translation, [Piece(0, 11, 0, 10), Piece(12, 24, 11, 23)])
    assert to_target(0) == 0 and to_target(11, word_start=False) == 10
    assert to_target(12) == 11 and to_target(24, word_start=False) == 23
    assert translation[slice(*to_target.span(12, 15))] == "Wie"
    # A script without spaces: any character boundary.
    assert OffsetMap("你好世界", [Piece(0, 10, 0, 4)])(5) == 2


inline = st.sampled_from(["b", "i", "a", "em", "span", "code"])
words = st.lists(st.sampled_from(["one", "two", "three", "four", "five."]), min_size=1, max_size=4).map(" ".join)


@st.composite
def pages(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        tag = draw(inline)
        parts.append(f"{draw(words)} <{tag}>{draw(words)}</{tag}> ")
    return f"<p>{''.join(parts)}</p><p>{draw(words)}</p>"


@settings(max_examples=60, deadline=None)
@given(pages(), st.sampled_from([str.upper, reversed_words]))
def test_every_tag_is_kept_in_order_with_its_attributes(page, rule):
    source, out = lxml.html.fragment_fromstring(page, "div"), lxml.html.fragment_fromstring(rendered(page, rule), "div")
    assert [(e.tag, dict(e.attrib)) for e in source.iter()] == [(e.tag, dict(e.attrib)) for e in out.iter()]
    assert [e.text for e in source.iter("code")] == [e.text for e in out.iter("code")]


def test_a_declared_encoding_and_the_content_type_meta_are_kept():
    xhtml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<html><head><meta http-equiv="Content-Type" '
        'content="text/html; charset=ISO-8859-1"><title>Café</title></head><body><p>Café au lait.</p></body></html>'
    )
    out = rendered(xhtml)
    assert out.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>\n') and "CAFÉ AU LAIT." in out
    assert 'http-equiv="Content-Type"' in out
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><doc><p>Café.</p></doc>'
    assert rendered(xml, kind="xml") == '<?xml version="1.0" encoding="ISO-8859-1"?>\n<doc><p>CAFÉ.</p></doc>'
