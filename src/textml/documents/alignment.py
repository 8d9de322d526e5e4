"""Where a position in a text lies in its translation: what carries an inline tag (`<b>`, `<a href>`) from the
words it wrapped onto the translated words.

The documents core translates a text piece by piece (sentences, segments.py) and says which piece of the
translation came from which piece of the text, so a position is first placed in its piece, exactly. Inside a
piece, it goes to the same relative place in the piece's translation, moved to the nearest word boundary (a
tag never cuts a word in two; in a script written without spaces, any character boundary). A tag that wraps a
whole sentence so wraps its whole translation; one that wraps some words of a sentence wraps the words at the
same place in the translated sentence, which word order can move (the model's own alignment is not used).
"""

from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """text[start:end] was translated as translation[target_start:target_end]."""

    start: int
    end: int
    target_start: int
    target_end: int


def pieces_of(translation: str, segments: list[tuple[int, int, str]]) -> list[Piece]:
    """The pieces from the segments (start, end, translated piece) of a translation, whose text is the translated
    pieces in order, with only separators between them."""
    found, cursor = [], 0
    for start, end, translated in segments:
        at = translation.find(translated, cursor)
        if at < 0:  # not there as given (never expected): the rest of the translation is this piece's
            at, translated = cursor, translation[cursor:]
        found.append(Piece(start, end, at, at + len(translated)))
        cursor = at + len(translated)
    return found


def word_boundaries(text: str, start: int, end: int, word_starts: bool) -> list[int]:
    """Positions in text[start:end] where a word starts (or ends), with `start` and `end`: at a space, or between
    a letter or digit and punctuation ("link|." ends a word, "(|note" starts one); every position where the
    piece has no space (Chinese, Japanese, Thai)."""
    inside = text[start:end]
    if not any(character.isspace() for character in inside):
        return list(range(start, end + 1))
    found = {start, end}
    for index in range(start + 1, end):
        before, after = text[index - 1], text[index]
        if word_starts:
            starts = (before.isspace() and not after.isspace()) or (not before.isalnum() and after.isalnum())
        else:
            starts = (after.isspace() and not before.isspace()) or (before.isalnum() and not after.isalnum())
        if starts:
            found.add(index)
    return sorted(found)


def nearest(boundaries: list[int], position: float) -> int:
    at = bisect_left(boundaries, position)
    candidates = boundaries[max(at - 1, 0) : at + 1]
    return min(candidates, key=lambda boundary: abs(boundary - position))


class OffsetMap:
    """Positions in a text mapped onto its translation (`pieces` in order, covering the text's words)."""

    def __init__(self, translation: str, pieces: list[Piece]):
        self.translation = translation
        self.pieces = pieces

    def __call__(self, position: int, word_start: bool = True) -> int:
        """Where `position` of the text lies in the translation: at a word start (`word_start`) or a word end."""
        if not self.pieces:
            return 0 if position <= 0 else len(self.translation)
        for index, piece in enumerate(self.pieces):
            if position < piece.start:  # between pieces (or before the first): at the gap's edge
                return self.pieces[index - 1].target_end if index else 0
            if position <= piece.end:
                width = piece.end - piece.start
                share = (position - piece.start) / width if width else 0
                place = piece.target_start + share * (piece.target_end - piece.target_start)
                boundaries = word_boundaries(self.translation, piece.target_start, piece.target_end, word_start)
                return nearest(boundaries, place)
        return len(self.translation)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where text[start:end] lies in the translation: a non-empty span for a non-empty one where a word is
        left to take."""
        target_start, target_end = self(start, word_start=True), self(end, word_start=False)
        if end > start and target_end <= target_start:
            ends = [b for b in word_boundaries(self.translation, 0, len(self.translation), False) if b > target_start]
            target_end = ends[0] if ends else target_start
        return target_start, max(target_start, target_end)
