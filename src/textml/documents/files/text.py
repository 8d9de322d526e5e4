"""Plain text files (.txt): each paragraph translated whole, laid out again as it was.

- Blank lines, line endings (`\\r\\n` or `\\n`) and a byte order mark are written back as they were.
- A hard-wrapped paragraph (prose cut into lines at a width, its sentences running across lines) is one unit;
  its translation is wrapped again at the paragraph's width, keeping its first and next lines' indentation.
- A list (lines starting "- ", "* ", "• ", "1. ", "a) "...) is one unit per item, its marker and indentation kept
  outside the unit; an item's indented continuation lines belong to it. The lines of any other paragraph of short
  lines (a poem, an address) are one unit each.
- A line without a letter in it ("-----", "42") is written back as it was, and so are the lines of a unit whose
  translation has the same words as it (a name, a number, text already in the target language).

The decoding (`decoded`) and the line splitting (`lines_of`) serve the other text formats too.
"""

import re
import textwrap
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Union

from textml.documents.files import BrokenFile, FileFormat, Unit

BOMS = (("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"))
LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
# A list item's marker, with the indentation before it and the spaces after it.
LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•·–]|\d{1,3}[.)]|[A-Za-z][.)]|\(\w{1,4}\))[ \t]+(?=\S)")
# Prose narrower than this is taken for lines written one by one (verse, an address), not for wrapped text.
MIN_WRAP_WIDTH = 40


@dataclass(frozen=True)
class Encoding:
    codec: str
    bom: bytes = b""

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


def decoded(data: bytes) -> tuple[str, Encoding]:
    """The text of a file in UTF-8 (a byte order mark or none) or in UTF-16 with its byte order mark.

    Any other encoding is refused rather than guessed: every byte string reads as Latin-1, so a file in
    Windows-1252, Shift-JIS or no text at all would be translated as garbage without a word, and most target
    languages can't be written back in Latin-1 anyway."""
    for codec, bom in BOMS:
        if data.startswith(bom):
            encoding = Encoding(codec, bom)
            break
    else:
        encoding = Encoding("utf-8")
    try:
        text = data[len(encoding.bom) :].decode(encoding.codec)
    except UnicodeDecodeError as error:
        position = len(encoding.bom) + error.start
        raise BrokenFile(
            f"the file is not {encoding.codec.upper()} text (byte 0x{data[position]:02X} at offset {position}): "
            "save it as UTF-8 and send it again"
        ) from None
    if "\x00" in text:
        raise BrokenFile("the file holds NUL characters: it is binary, or UTF-16 without a byte order mark")
    return text, encoding


def lines_of(text: str) -> list[tuple[str, str]]:
    """Each line of the text as (its content, its line ending): "" for a last line without one."""
    lines = [(match.group(1), match.group(2)) for match in LINE.finditer(text)]
    return lines[:-1] if lines and lines[-1] == ("", "") else lines


def has_words(text: str) -> bool:
    return any(character.isalpha() for character in text)


def indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@dataclass(frozen=True)
class Layout:
    """How one unit's translation is written: after `first_prefix`, wrapped at `width` with `next_prefix` before
    each further line (width 0: on one line), then `trailing`. A translation with the unit's own words is written
    as the `source` lines were (hand-wrapped lines, double spaces and tabs kept)."""

    source: str
    first_prefix: str
    next_prefix: str = ""
    width: int = 0
    line_ending: str = "\n"
    trailing: str = ""

    def written(self, unit: Unit, translation: str) -> str:
        if translation.split() == unit.text.split():
            return self.source
        if not self.width:
            return self.first_prefix + " ".join(translation.strip().splitlines()) + self.trailing
        translation = " ".join(translation.split())
        wrapped = textwrap.wrap(
            translation,
            width=self.width,
            initial_indent=self.first_prefix,
            subsequent_indent=self.next_prefix,
            break_long_words=False,
            break_on_hyphens=False,
        )
        return self.line_ending.join(wrapped or [self.first_prefix]) + self.trailing


Piece = Union[str, int]  # text written as it was, or the index of a unit


@dataclass
class TextDocument:
    encoding: Encoding
    units: list[Unit] = field(default_factory=list)
    layouts: list[Layout] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)

    def keep(self, text: str):
        self.pieces.append(text)

    def translate(self, text: str, layout: Layout):
        self.pieces.append(len(self.units))
        self.units.append(Unit(text))
        self.layouts.append(layout)

    def render(self, translations: list[str]) -> bytes:
        if len(translations) != len(self.units):
            raise ValueError(f"{len(translations)} translations for {len(self.units)} units")
        written = [
            piece if isinstance(piece, str) else self.layouts[piece].written(self.units[piece], translations[piece])
            for piece in self.pieces
        ]
        return self.encoding.encode("".join(written))


def read(data: bytes) -> TextDocument:
    text, encoding = decoded(data)
    document = TextDocument(encoding)
    paragraph: list[tuple[str, str]] = []
    for line, ending in lines_of(text):
        if line.strip():
            paragraph.append((line, ending))
            continue
        add_paragraph(document, paragraph)
        paragraph = []
        document.keep(line + ending)
    add_paragraph(document, paragraph)
    return document


def add_paragraph(document: TextDocument, lines: list[tuple[str, str]]):
    if any(LIST_ITEM.match(line) for line, _ in lines):
        add_list(document, lines)
    elif is_wrapped([line for line, _ in lines]):
        add_wrapped(document, lines, indentation(lines[0][0]), indentation(lines[1][0]))
    else:
        for line in lines:
            add_wrapped(document, [line], indentation(line[0]), "")


def add_list(document: TextDocument, lines: list[tuple[str, str]]):
    """One unit per item (a marker line and the lines indented under it), and per line outside the items."""
    groups: list[list[tuple[str, str]]] = []
    marker_indent = -1  # the indentation of the last item's marker; -1: not in an item
    for line, ending in lines:
        marker = LIST_ITEM.match(line)
        if marker:
            marker_indent = len(indentation(line))
            groups.append([(line, ending)])
        elif marker_indent >= 0 and len(indentation(line)) > marker_indent:
            groups[-1].append((line, ending))
        else:
            marker_indent = -1
            groups.append([(line, ending)])
    for group in groups:
        marker = LIST_ITEM.match(group[0][0])
        first_prefix = marker.group(0) if marker else indentation(group[0][0])
        next_prefix = indentation(group[1][0]) if len(group) > 1 else ""
        add_wrapped(document, group, first_prefix, next_prefix)


def add_wrapped(document: TextDocument, lines: list[tuple[str, str]], first_prefix: str, next_prefix: str):
    """The lines as one unit after `first_prefix`, wrapped as wide as they were when there are several."""
    text = " ".join(line[len(first_prefix) if index == 0 else 0 :].strip() for index, (line, _) in enumerate(lines))
    if not has_words(text):
        document.keep("".join(line + ending for line, ending in lines))
        return
    last, last_ending = lines[-1]
    source = "".join(line + ending for line, ending in lines[:-1]) + last
    if len(lines) == 1:
        layout = Layout(source, first_prefix, trailing=last[len(last.rstrip()) :])
    else:
        width = max(len(line.rstrip()) for line, _ in lines)
        layout = Layout(source, first_prefix, next_prefix, width, line_ending=lines[0][1])
    document.translate(text, layout)
    document.keep(last_ending)


def is_wrapped(lines: list[str]) -> bool:
    """Whether the lines are prose wrapped at a width: each line but the last so full that the next line's first
    word would not have fitted on it, the lines after the first indented alike."""
    if len(lines) < 2 or len({indentation(line) for line in lines[1:]}) > 1:
        return False
    width = max(len(line.rstrip()) for line in lines)
    if width < MIN_WRAP_WIDTH:
        return False
    return all(len(line.rstrip()) + 1 + len(following.split()[0]) > width for line, following in pairwise(lines))


FORMAT = FileFormat("text", (".txt",), "text/plain; charset=utf-8", read)
