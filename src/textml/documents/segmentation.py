"""Sentences of a text, with their character offsets: `text[span.start:span.end]` is the sentence, spans
cover the text in order, and only whitespace lies between them.

The splitter is pysbd. Measured against blingfire on cases that trip splitters (abbreviations, numbers,
quotes, lists, ellipses: `python -m textml.tools.compare_segmenters`), pysbd got 33 of 34 right and
blingfire 29: blingfire splits list numbers from their items and quotes from their speaker. pysbd is the
slower (about 50 ms per 10,000 characters here, against 1 ms), which is under 1% of the time to translate
those characters, so accuracy wins.

pysbd reads every line break as a sentence end, which cuts hard-wrapped prose (license texts, e-mail) in
mid-sentence. So the text is first cut into blocks at what a line break can mean for sure, a blank line
(a paragraph) or a line starting with a list marker, and inside a block a line break is read as a space.
"""

import re
import unicodedata
from dataclasses import dataclass

# A blank line, or a line break before a list item ("- x", "* x", "• x", "1. x", "2) x", "a) x", "(iv) x").
BLOCK_BREAK = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*•·]|\d{1,3}[.)]|[A-Za-z][.)]|\(\w{1,4}\))[ \t])")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    # The span begins a block (a paragraph, a list item): what separates it from the one before is kept.
    new_block: bool = False

    def of(self, text: str) -> str:
        return text[self.start : self.end]


def _segmenter():
    import pysbd

    # A new one each time: a Segmenter keeps the text it works on in itself, so threads can't share one.
    # clean=False: sentences come back as they are in the text, so they can be found in it.
    return pysbd.Segmenter(language="en", clean=False)


def blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph or list item, whitespace at their edges excluded."""
    found, start = [], 0
    for cut in [*BLOCK_BREAK.finditer(text), None]:
        end = cut.start() if cut else len(text)
        piece = text[start:end]
        if piece.strip():
            left = len(piece) - len(piece.lstrip())
            found.append((start + left, start + len(piece.rstrip())))
        if cut:
            start = cut.end()
    return found


def sentences(text: str) -> list[Span]:
    """The sentences of `text`, in order."""
    spans = []
    for block_start, block_end in blocks(text):
        # Same length as the block, so positions in it are positions in the text.
        block = text[block_start:block_end].replace("\n", " ")
        cursor, first = 0, True
        for sentence in _segmenter().segment(block):
            sentence = sentence.strip()
            found = block.find(sentence, cursor) if sentence else -1
            if found < 0:  # not found as given (never seen): the rest of the block is one sentence
                break
            if not first and found == cursor and block[found].isascii():
                # No space after the "end" (`./configure`, `3.14`): the segmenter cut a sentence, not ended one.
                # Scripts written without spaces between sentences (Chinese, Japanese) are not ASCII.
                spans[-1] = Span(spans[-1].start, block_start + found + len(sentence), new_block=spans[-1].new_block)
            else:
                spans.append(Span(block_start + found, block_start + found + len(sentence), new_block=first))
            cursor, first = found + len(sentence), False
        if cursor < len(block.rstrip()):
            rest = len(block[cursor:]) - len(block[cursor:].lstrip())
            spans.append(Span(block_start + cursor + rest, block_end, new_block=first))
    return spans


def plain(source: str) -> str:
    """A sentence as the model reads it: whitespace runs, hard wraps among them, as single spaces."""
    return " ".join(source.split())


def joined(text: str, spans: list[Span], parts: list[str]) -> str:
    """`parts` (one per span, e.g. translations) joined as the spans are in `text`: a block keeps what
    separated it from the one before (a paragraph break, a line break before a list item); sentences in a
    block are separated by a space, but for two written without one (Chinese, Japanese: `你好。再见。`)."""
    out = []
    for index, (span, part) in enumerate(zip(spans, parts, strict=True)):
        if index:
            if span.new_block:
                out.append(text[spans[index - 1].end : span.start])
            elif not (written_without_spaces(parts[index - 1][-1:]) and written_without_spaces(part[:1])):
                out.append(" ")
        out.append(part)
    return "".join(out)


def written_without_spaces(character: str) -> bool:
    """A character of the scripts that put no space between sentences: Chinese and Japanese, their full-width
    punctuation. (Korean's Hangul is as wide, and spaced.)"""
    return (
        bool(character)
        and unicodedata.east_asian_width(character) in ("W", "F")
        and not unicodedata.name(character, "").startswith("HANGUL")
    )
