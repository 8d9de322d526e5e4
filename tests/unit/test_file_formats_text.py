"""The text file formats (documents/files: text, markdown, html, subtitles): each file read into units, translated
by a rule (each sentence upper-cased, or its words reversed) through the real markup code, and written back; the
structure is then read with the format's own library (markdown-it, lxml, srt) and compared with the source's.

A rule leaves the words where they were, so what each unit became is known; the real models' answers on files
are checked through the service (tests/cluster/test_files.py).
"""

import re

import lxml.etree as etree
import lxml.html
import pytest
import srt
from markdown_it import MarkdownIt

from helpers.file_translation import translated_file, unit_by_rule
from textml.documents.files import BrokenFile, UnsupportedFile, subtitles
from textml.documents.files import html as html_format
from textml.documents.files import markdown as markdown_format
from textml.documents.files import text as text_format
from textml.documents.files.formats import format_of


def reversed_words(sentence: str) -> str:
    return " ".join(reversed(sentence.split()))


def unchanged(sentence: str) -> str:
    return sentence


RULES = [str.upper, reversed_words]


# Plain text

NOTE = (
    "\ufeffMeeting notes\r\n"
    "=============\r\n"
    "\r\n"
    "The team met on Monday to plan the next release of the translation service. We\r\n"
    "agreed that files keep their structure, and that the models stay as they are for\r\n"
    "now. The next meeting is in two weeks.\r\n"
    "\r\n"
    "\r\n"
    "Decisions:\r\n"
    "- Ship the file formats first\r\n"
    "* Measure the latency of long documents, and report it to the team before the\r\n"
    "  release candidate is cut\r\n"
    "  1. Start with the English models\r\n"
    "\r\n"
    "Roses are red,\r\n"
    "  violets are blue.\r\n"
    "\r\n"
    "----\r\n"
    "42\r\n"
)


def test_text_keeps_its_blank_lines_markers_line_endings_and_byte_order_mark():
    data = NOTE.encode("utf-8")
    out = translated_file("notes.txt", data)
    assert out.startswith(b"\xef\xbb\xbf")
    # Upper-casing keeps every word's length, so the wrapped paragraph wraps again at the same places.
    assert out.decode("utf-8") == NOTE.upper()
    assert b"\n" not in out.replace(b"\r\n", b"")


def test_text_rewraps_a_wrapped_paragraph_and_keeps_list_items_on_their_markers():
    out = translated_file("notes.txt", NOTE.encode(), reversed_words).decode("utf-8-sig")
    blank_runs = re.compile(r"(?:\r\n){2,}")
    assert blank_runs.findall(out) == blank_runs.findall(NOTE)
    source_paragraphs, paragraphs = blank_runs.split(NOTE.removeprefix("\ufeff")), blank_runs.split(out)
    assert [sorted(part.split()) for part in paragraphs] == [sorted(part.split()) for part in source_paragraphs]
    width = max(len(line) for line in source_paragraphs[1].split("\r\n"))
    assert len(paragraphs[1].split("\r\n")) > 1
    assert all(len(line) <= width for line in paragraphs[1].split("\r\n"))
    items = paragraphs[2].split("\r\n")
    assert items[0] == "Decisions:"
    assert items[1] == "- first formats file the Ship"
    assert items[2].startswith("* ") and items[3].startswith("  ")  # wrapped under its marker
    assert items[4] == "  1. models English the with Start"
    assert paragraphs[3] == "red, are Roses\r\n  blue. are violets"  # short lines: one unit each


def test_text_units_are_paragraphs_items_and_short_lines():
    units = [unit.text for unit in text_format.FORMAT.read(NOTE.encode()).units]
    assert units[1].startswith("The team met on Monday") and units[1].endswith("in two weeks.")
    assert "Ship the file formats first" in units
    assert (
        "Measure the latency of long documents, and report it to the team before the release candidate is cut" in units
    )
    assert ["Roses are red,", "violets are blue."] == units[-2:]
    assert "----" not in units and "42" not in units


def test_text_comes_back_unchanged_from_an_identity_translation():
    data = NOTE.encode()
    assert translated_file("notes.txt", data, unchanged) == data


@pytest.mark.parametrize("data", [b"", b"\n\n", b"----\n42\n", b"\xef\xbb\xbf"])
def test_text_with_nothing_to_translate_comes_back_as_it_was(data):
    assert text_format.FORMAT.read(data).units == []
    assert translated_file("empty.txt", data) == data


def test_text_in_utf16_is_written_back_in_utf16():
    data = "Hello there.\nSecond line.\n".encode("utf-16")
    out = translated_file("notes.txt", data)
    assert out[:2] == data[:2]
    assert out.decode("utf-16") == "HELLO THERE.\nSECOND LINE.\n"


def test_text_not_in_utf8_is_refused_with_the_place_of_the_first_bad_byte():
    with pytest.raises(BrokenFile, match=r"not UTF-8 text \(byte 0xE9 at offset 3\)"):
        translated_file("latin1.txt", "Café au lait".encode("latin-1"))


# Markdown

README = """\
---
title: textml
tags: [translation, serving]
---

# textml: *translation* as a service

[![Build](https://ci.example.com/badge.svg)](https://ci.example.com)

A **small** service that translates _files_ and __keeps__ their structure.
It runs on `Ray Serve` and speaks [several APIs](https://example.com/apis "The APIs").
See <https://example.com/docs> or the [guide][guide] and the [FAQ].

Getting started
---------------

1. Create a virtual environment:

   ```bash
   python -m venv .venv
   ```

2. Install the package with ``pip install -e .`` and check it.
   - Read the *options* first
   - Skip the ~~old~~ setup guide

> **Note:** the large models need a GPU\\
> with enough memory.
> > A nested quote.

| Option | Default | Meaning |
|--------|:-------:|---------|
| `port` | 8000 | The port the *HTTP* server listens on |
| host | `0.0.0.0` | Where it listens \\| binds |

    an indented code block

<div align="center">
  <b>An HTML block</b> stays as it is.
</div>

Press <kbd>Ctrl</kbd> and <kbd>C</kbd> together to stop the server.

***

[guide]: https://example.com/guide "Guide"
[faq]: https://example.com/faq
"""

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
CODE_TOKENS = ("fence", "code_block", "html_block", "code_inline", "html_inline")


def markdown_shape(source: str) -> list[tuple]:
    """The document's tokens with their nesting and attributes, and the content of code and HTML; text and soft
    line breaks left out (a translated paragraph is one line)."""
    shape = []
    for token in MARKDOWN.parse(source):
        for part in [token, *(token.children or [])]:
            if part.type in ("text", "softbreak"):
                continue
            content = part.content if part.type in CODE_TOKENS else ""
            shape.append((part.type, part.tag, part.nesting, part.level, content, sorted(part.attrs.items())))
    return shape


def markdown_texts(source: str) -> list[str]:
    """Each block's text as a reader sees it; front matter, autolinks and the text of inline `<kbd>` left out
    (they are not translated)."""
    texts = []
    for token in MARKDOWN.parse(re.sub(r"\A---\n.*?\n---\n", "", source, flags=re.DOTALL)):
        words, kept = [], False
        for child in token.children or []:
            if child.type == "link_open":
                kept = child.markup == "autolink"
            elif child.type in ("link_close", "html_inline"):
                kept = child.content == "<kbd>"
            elif child.type in ("text", "softbreak") and not kept:
                words.append(child.content or " ")
        if token.type == "inline":
            texts.append(" ".join("".join(words).split()))
    return texts


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_markdown_keeps_its_blocks_inline_syntax_and_code(rule):
    out = translated_file("README.md", README.encode(), rule).decode()
    assert markdown_shape(out) == markdown_shape(README)
    assert out.startswith("---\ntitle: textml\ntags: [translation, serving]\n---\n")
    assert out.endswith('***\n\n[guide]: https://example.com/guide "Guide"\n[faq]: https://example.com/faq\n')


def test_markdown_translates_every_text_and_writes_the_source_syntax_back():
    out = translated_file("README.md", README.encode()).decode()
    assert markdown_texts(out) == [text.upper() for text in markdown_texts(README)]
    for written in [
        "# TEXTML: *TRANSLATION* AS A SERVICE",
        "A **SMALL** SERVICE THAT TRANSLATES _FILES_ AND __KEEPS__ THEIR STRUCTURE. IT RUNS ON `Ray Serve` AND",
        '[SEVERAL APIS](https://example.com/apis "The APIs")',
        "SEE <https://example.com/docs> OR THE [GUIDE][guide] AND THE [FAQ][FAQ].",  # a reference keeps its name
        "GETTING STARTED\n---------------\n",
        "2. INSTALL THE PACKAGE WITH ``pip install -e .`` AND CHECK IT.\n   - READ THE *OPTIONS* FIRST\n",
        "> **NOTE:** THE LARGE MODELS NEED A GPU\\\n> WITH ENOUGH MEMORY.\n> > A NESTED QUOTE.\n",
        "| `port` | 8000 | THE PORT THE *HTTP* SERVER LISTENS ON |\n| HOST | `0.0.0.0` | WHERE IT LISTENS \\| BINDS |",
        "[![Build](https://ci.example.com/badge.svg)](https://ci.example.com)",
        "PRESS <kbd>Ctrl</kbd> AND <kbd>C</kbd> TOGETHER",
    ]:
        assert written in out


def test_markdown_escapes_what_a_translation_writes_that_markdown_would_read_as_syntax():
    def with_syntax(sentence: str) -> str:
        return f"1. # {sentence} *not emphasis* [not a link] <b>not html</b> `not code`"

    out = translated_file("notes.md", b"A paragraph.\n", with_syntax).decode()
    assert [token.type for token in MARKDOWN.parse(out)] == ["paragraph_open", "inline", "paragraph_close"]
    assert markdown_texts(out) == [with_syntax("A paragraph.")]


def test_markdown_keeps_hard_line_breaks_with_their_markers_and_prefixes():
    data = b"> Line one,  \n> line two,\\\n> then a\n> soft break.\n\n- An item  \n  broken.\n"
    assert (
        translated_file("notes.md", data)
        == b"> LINE ONE,  \n> LINE TWO,\\\n> THEN A SOFT BREAK.\n\n- AN ITEM  \n  BROKEN.\n"
    )


def test_markdown_keeps_line_endings_and_byte_order_mark():
    data = b"\xef\xbb\xbf# Title\r\n\r\nFirst line\r\nsecond line.\r\n\r\n- item\r\n"
    assert translated_file("notes.md", data) == b"\xef\xbb\xbf# TITLE\r\n\r\nFIRST LINE SECOND LINE.\r\n\r\n- ITEM\r\n"


def test_markdown_comes_back_byte_for_byte_from_an_identity_translation():
    data = README.encode()
    assert translated_file("README.md", data, unchanged) == data


@pytest.mark.parametrize("data", [b"", b"```\ncode only\n```\n", b"---\ntitle: x\n---\n", b"| 1 | 2 |\n|---|---|\n"])
def test_markdown_with_nothing_to_translate_comes_back_as_it_was(data):
    assert markdown_format.FORMAT.read(data).units == []
    assert translated_file("empty.md", data) == data


def test_markdown_not_in_utf8_is_refused():
    with pytest.raises(BrokenFile, match="not UTF-8 text"):
        translated_file("notes.md", b"# Caf\xe9\n")


# HTML

PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Widgets &amp; Gadgets: Home</title>
  <style>body { font-family: sans-serif; }</style>
  <script>var greeting = "Hello world";</script>
</head>
<body>
  <nav><ul><li><a href="/">Home page</a></li><li><a href="/about" title="About us">About us</a></li></ul></nav>
  <main>
    <h1>Welcome to our shop</h1>
    <p>We sell <b>fine</b> widgets since 1999. Run <code>make install</code> to build&nbsp;them.</p>
    <img src="logo.png" alt="The company logo">
    <table>
      <thead><tr><th>Product</th><th>Price</th></tr></thead>
      <tbody><tr><td>Small widget</td><td>10 euros</td></tr></tbody>
    </table>
    <pre>  keep   this
  exactly</pre>
  </main>
  <!-- a comment -->
</body>
</html>
"""
UNTRANSLATED = {"pre", "code", "script", "style"}


def html_texts(root: etree._Element) -> list[tuple[str, str, bool]]:
    """Each element's text and tail, with whether they are translated (not inside <pre>, <code>, <script>...)."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        inside = any(ancestor.tag in UNTRANSLATED for ancestor in element.iterancestors())
        found.append((element.text or "", element.tag not in UNTRANSLATED and not inside))
        found.append((element.tail or "", not inside))
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_html_keeps_every_element_and_attribute_and_leaves_code_untouched(rule):
    source = lxml.html.document_fromstring(PAGE)
    page = lxml.html.document_fromstring(translated_file("index.html", PAGE.encode(), rule).decode())
    assert [(element.tag, dict(element.attrib)) for element in page.iter()] == [
        (element.tag, dict(element.attrib)) for element in source.iter()
    ]
    for tag in ("pre", "code", "script", "style"):
        assert page.find(f".//{tag}").text == source.find(f".//{tag}").text
    assert page.find(".//title").text == rule("Widgets & Gadgets: Home")


def test_html_translates_the_title_and_every_text_outside_code():
    source = lxml.html.document_fromstring(PAGE)
    page = lxml.html.document_fromstring(translated_file("index.html", PAGE.encode()).decode())
    for (text, translated), (written, _) in zip(html_texts(source), html_texts(page), strict=True):
        assert written == (text.upper() if translated else text)
    assert page.find(".//img").get("alt") == "The company logo"  # attributes are never translated


def test_html_comes_back_unchanged_from_an_identity_translation():
    assert translated_file("index.html", PAGE.encode(), unchanged) == PAGE.encode()


def test_html_is_written_back_in_the_encoding_it_declares():
    data = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        "<title>Café menu</title></head><body><p>Café au lait.</p></body></html>\n"
    ).encode("latin-1")
    out = translated_file("menu.htm", data, lambda sentence: sentence.replace("menu", "меню"))
    assert out == data.replace(b"menu</title>", b"&#1084;&#1077;&#1085;&#1102;</title>")  # and no doctype added


def test_xhtml_stays_well_formed_xml():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b"<head><title>Chapter one</title></head><body><p>Hello <i>there</i>, run <code>ls</code>.<br/>Bye.</p>"
        b"</body></html>\n"
    )
    out = translated_file("chapter.xhtml", data)
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n')
    root = etree.fromstring(out)
    assert "".join(root.itertext()) == "CHAPTER ONEHELLO THERE, RUN ls.BYE."
    assert translated_file("chapter.xhtml", data, unchanged) == data


@pytest.mark.parametrize("data", [b"", b"  \n", b"<pre>only code</pre>"])
def test_html_with_nothing_to_translate_comes_back_as_it_was(data):
    assert translated_file("empty.html", data) == data


# Subtitles

SUBRIP = """\
1
00:00:01,000 --> 00:00:04,000
Welcome to the show. Tonight we
talk about translation.

2
00:00:04,500 --> 00:00:06,250 X1:40 X2:600 Y1:20 Y2:50
<i>This line is in italics,</i>
and this one <font color="#ffff00">is yellow</font>.

3
00:00:07,000 --> 00:00:09,000
- Are you coming?
- Yes, I am.

4
00:00:09,500 --> 00:00:10,000
{\\an8}Top of the screen & more

5
00:00:10,500 --> 00:00:11,000
♪ ♪

61
01:00:00,000 --> 01:00:02,000
A single line
"""


CUE_TAGS = re.compile(r"<[^>]+>|\{[^}]+\}")


def words_of_cue(cue: srt.Subtitle) -> str:
    return " ".join(CUE_TAGS.sub("", cue.content).split())


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_subrip_keeps_indexes_timings_and_line_counts(rule):
    source = list(srt.parse(SUBRIP))
    cues = list(srt.parse(translated_file("show.srt", SUBRIP.encode(), rule).decode()))
    assert [(cue.index, cue.start, cue.end, cue.proprietary) for cue in cues] == [
        (cue.index, cue.start, cue.end, cue.proprietary) for cue in source
    ]
    assert [len(cue.content.split("\n")) for cue in cues] == [len(cue.content.split("\n")) for cue in source]
    assert [sorted(CUE_TAGS.findall(cue.content)) for cue in cues] == [
        sorted(CUE_TAGS.findall(cue.content)) for cue in source
    ]


def test_subrip_translates_each_cue_whole_and_keeps_tags_on_their_words():
    cues = list(srt.parse(translated_file("show.srt", SUBRIP.encode()).decode()))
    source = list(srt.parse(SUBRIP))
    assert [words_of_cue(cue) for cue in cues] == [words_of_cue(cue).upper() for cue in source]
    assert cues[0].content == "WELCOME TO THE SHOW. TONIGHT\nWE TALK ABOUT TRANSLATION."  # cut near the middle
    assert cues[1].content == '<i>THIS LINE IS IN ITALICS,</i>\nAND THIS ONE <font color="#ffff00">IS YELLOW</font>.'
    assert cues[2].content == "- ARE YOU COMING?\n- YES, I AM."  # one line per speaker
    assert cues[3].content == "{\\an8}TOP OF THE SCREEN & MORE"


def test_subrip_comes_back_unchanged_from_an_identity_translation_line_endings_included():
    data = SUBRIP.replace("\n", "\r\n").encode()
    assert translated_file("show.srt", data, unchanged) == data
    assert b"\n" not in translated_file("show.srt", data).replace(b"\r\n", b"")


@pytest.mark.parametrize("data", [b"", b"\n", b"1\n00:00:01,000 --> 00:00:02,000\n\xe2\x99\xaa\n"])
def test_subrip_with_nothing_to_translate_comes_back_as_it_was(data):
    assert translated_file("empty.srt", data) == data


@pytest.mark.parametrize(
    "data, line",
    [
        (b"this is not a subtitle file\n", 1),
        (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 -> 00:00:04,000\nBye\n", 5),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n", 1),
    ],
)
def test_subrip_that_is_not_subtitles_is_refused_naming_the_line(data, line):
    with pytest.raises(BrokenFile, match=f"not SubRip subtitles: line {line} should start a subtitle"):
        translated_file("broken.srt", data)


WEBVTT = """\
WEBVTT - A test
Kind: captions

NOTE This note stays
as it is.

STYLE
::cue { color: yellow; }

intro
00:00:01.000 --> 00:00:04.000 position:10% align:start
Hello &amp; welcome to the show,
my friends.

00:04.500 --> 00:06.000
<v Roger Bingham>We are in New York City</v>

00:00:06.000 --> 00:00:08.000
<c.yellow>Fast</c> <00:00:07.000>and <b>bold</b> &lt;text&gt;
"""


def translated_webvtt(data: bytes, rule=str.upper) -> bytes:
    """WebVTT through its format directly: formats.py serves one format per module (subtitles.FORMAT is SubRip)."""
    document = subtitles.WEBVTT.read(data)
    return document.render([unit_by_rule(unit, rule) for unit in document.units])


def test_webvtt_keeps_its_header_notes_styles_timings_and_entities():
    out = translated_webvtt(WEBVTT.encode()).decode()
    assert out == (
        WEBVTT.replace("Hello &amp; welcome to the show,\nmy friends.", "HELLO &amp; WELCOME TO\nTHE SHOW, MY FRIENDS.")
        .replace("We are in New York City", "WE ARE IN NEW YORK CITY")
        .replace(
            "Fast</c> <00:00:07.000>and <b>bold</b> &lt;text&gt;", "FAST</c> <00:00:07.000>AND <b>BOLD</b> &lt;TEXT&gt;"
        )
    )
    assert translated_webvtt(WEBVTT.encode(), unchanged) == WEBVTT.encode()


@pytest.mark.parametrize(
    "data, problem",
    [(b"1\n00:00:01.000 --> 00:00:02.000\nHi\n", "first line must be"), (b"WEBVTT\n\n00:01 --> 00:02\nHi\n", "line 3")],
)
def test_webvtt_that_is_not_webvtt_is_refused(data, problem):
    with pytest.raises(BrokenFile, match=problem):
        subtitles.WEBVTT.read(data)


# The registry


@pytest.mark.parametrize(
    "filename, module",
    [
        ("notes.txt", text_format),
        ("README.md", markdown_format),
        ("guide.MARKDOWN", markdown_format),
        ("index.html", html_format),
        ("old/page.HTM", html_format),
        ("chapter.xhtml", html_format),
        ("C:\\films\\show.srt", subtitles),
    ],
)
def test_a_file_is_read_by_the_format_of_its_extension(filename, module):
    assert format_of(filename) is module.FORMAT


@pytest.mark.parametrize("filename, named", [("photo.jpeg", "a .jpeg file"), ("Makefile", "without an extension")])
def test_a_file_of_no_format_is_refused_naming_the_formats_served(filename, named):
    with pytest.raises(UnsupportedFile, match=named) as refused:
        format_of(filename)
    assert ".txt, .md, .markdown, .html" in str(refused.value)
