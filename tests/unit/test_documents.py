"""Documents: sentences with offsets that cover the text, paragraph breaks kept, long sentences split to fit
(never cut), chunks packed for summarization. On real prose: the license texts every Debian machine has."""

from pathlib import Path

import pytest

from textml.documents.chunking import packed
from textml.documents.fitting import fitting
from textml.documents.segmentation import Span, blocks, joined, plain, sentences
from textml.tools.compare_segmenters import CASES

PROSE = sorted(Path("/usr/share/common-licenses").glob("*"))


def covers(text: str, spans: list[Span]) -> bool:
    """In order, and only whitespace outside them."""
    edges = [0, *[edge for span in spans for edge in (span.start, span.end)], len(text)]
    return edges == sorted(edges) and all(not text[a:b].strip() for a, b in zip(edges[::2], edges[1::2], strict=True))


@pytest.mark.parametrize("text, expected", CASES, ids=range(len(CASES)))
def test_sentences_of_hard_cases(text, expected):
    if text.startswith("The term is used in Sect."):
        pytest.xfail("pysbd takes 'Sect.' for a sentence end (the one case of 34 it gets wrong)")
    spans = sentences(text)
    assert [span.of(text) for span in spans] == expected
    assert covers(text, spans)


@pytest.mark.parametrize("path", PROSE, ids=lambda path: path.name)
def test_sentences_of_real_prose_cover_it(path):
    text = path.read_text()
    spans = sentences(text)
    assert spans and covers(text, spans)
    assert all(span.of(text) == span.of(text).strip() for span in spans)


def test_hard_wrapped_sentences_are_whole():
    text = "The licenses for most software are designed\nto take away your freedom. By contrast,\nthe GPL is not."
    assert [span.of(text) for span in sentences(text)] == [
        "The licenses for most software are designed\nto take away your freedom.",
        "By contrast,\nthe GPL is not.",
    ]


def test_a_cut_with_no_space_after_it_is_not_a_sentence_end():
    # pysbd cuts "run ./configure" after the dot; a sentence ends before a space (Latin script) or, in scripts
    # written without spaces between sentences, at the next one's first character.
    text = "Then run ./configure and make. It builds. 你好。再见。"
    assert [span.of(text) for span in sentences(text)] == [
        "Then run ./configure and make.",
        "It builds.",
        "你好。",
        "再见。",
    ]
    english = "Then run ./configure and make. It builds."
    spans = sentences(english)
    assert joined(english, spans, [span.of(english) for span in spans]) == english


def test_sentences_written_without_spaces_are_joined_without_them():
    for text in (
        "你好。再见。今天很好。",
        "こんにちは。元気ですか？はい。",
        "안녕하세요. 반갑습니다.",
        "It builds. 你好。再见。",
    ):
        spans = sentences(text)
        assert joined(text, spans, [span.of(text) for span in spans]) == text
    # The translation's script decides: English into Chinese and back.
    assert joined("Hello. Bye.", sentences("Hello. Bye."), ["你好。", "再见。"]) == "你好。再见。"
    assert joined("你好。再见。", sentences("你好。再见。"), ["Hello.", "Bye."]) == "Hello. Bye."


def test_paragraph_breaks_and_list_items_are_kept_when_joined():
    text = "  Terms.\n\nYou may copy\nit. You may sell it.\n\n\n1. Keep the notice.\n2. Give a copy.  "
    spans = sentences(text)
    assert [s.new_block for s in spans] == [True, True, False, True, True]
    assert joined(text, spans, [plain(s.of(text)).upper() for s in spans]) == (
        "TERMS.\n\nYOU MAY COPY IT. YOU MAY SELL IT.\n\n\n1. KEEP THE NOTICE.\n2. GIVE A COPY."
    )
    assert [text[a:b] for a, b in blocks(text)][0] == "Terms."


def fits_in(characters: int):
    return lambda pieces: [len(plain(piece)) <= characters for piece in pieces]


def test_a_long_sentence_is_split_at_clauses_never_cut():
    text = "One clause here, another clause there; a third one follows: and the last clause ends it."
    pieces = fitting(text, sentences(text), fits_in(40))
    assert covers(text, pieces) and all(len(p.of(text)) <= 40 for p in pieces)
    assert [p.of(text) for p in pieces] == [
        "One clause here, another clause there;",
        "a third one follows:",
        "and the last clause ends it.",
    ]
    assert pieces[0].new_block and not any(p.new_block for p in pieces[1:])


def test_a_word_longer_than_the_window_is_split_between_characters():
    text = "x" * 50 + " end."
    pieces = fitting(text, sentences(text), fits_in(20))
    assert covers(text, pieces) and "".join(plain(p.of(text)) for p in pieces) == "x" * 50 + "end."


def test_chunks_pack_consecutive_sentences_up_to_the_limit():
    spans = [Span(i, i + 1) for i in range(6)]
    assert [len(chunk) for chunk in packed(spans, [3, 3, 3, 9, 1, 1], limit=7)] == [2, 1, 1, 2]
    assert packed(spans[:1], [99], limit=7) == [[spans[0]]]


def test_sentences_from_many_threads_at_once_are_each_texts_own():
    """A replica segments requests in worker threads at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [path.read_text() for path in PROSE] * 3
    alone = [sentences(text) for text in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(sentences, texts)) == alone
