"""Pieces that fit the model's input window: a sentence too long for it is split at a clause boundary
(; : ,), else between words, else between characters, as near its middle as possible, until every piece
fits. Nothing is ever cut off."""

from typing import Callable

from textml.documents.segmentation import Span

# Where to cut a sentence that is too long, best first.
CLAUSE_ENDS = (";", ":", ",", " ")


def _cut(text: str, span: Span) -> int:
    """Where to cut `span`: just after the boundary nearest its middle, of the best kind it has."""
    piece = span.of(text)
    middle = len(piece) // 2
    for mark in CLAUSE_ENDS:
        places = [i + 1 for i, char in enumerate(piece[:-1]) if char == mark and piece[: i + 1].strip()]
        if places:
            return span.start + min(places, key=lambda place: abs(place - middle))
    return span.start + max(1, middle)


def fitting(text: str, spans: list[Span], fits: Callable[[list[str]], list[bool]]) -> list[Span]:
    """`spans`, each that does not fit (by `fits`, which judges a batch of pieces) split until all do."""
    result, todo = [], list(spans)
    while todo:
        verdicts = fits([span.of(text) for span in todo])
        next_round = []
        for span, ok in zip(todo, verdicts, strict=True):
            if ok or span.end - span.start <= 1:
                result.append(span)
                continue
            cut = _cut(text, span)
            left, right = text[span.start : cut], text[cut : span.end]
            left_end = span.start + len(left.rstrip())
            right_start = cut + len(right) - len(right.lstrip())
            next_round += [Span(span.start, left_end, span.new_block), Span(right_start, span.end)]
        todo = next_round
    return sorted(result, key=lambda span: span.start)
