"""OpenDocument texts (.odt) translated with their structure kept: every paragraph and heading (`text:p`, `text:h`)
of the body, wherever it sits (lists, tables, frames, notes, comments), and of the master pages' headers and
footers.

A run is a piece of a paragraph's text with one formatting: its span's style and its link (`text:span`, `text:a`,
kept with their attributes). A paragraph's runs are one unit, each run's formatting landing on the words it
wrapped (runs.py). Extra spaces (`text:s`), a tab, a line break, a note, a frame or a field stays where it is and
splits the paragraph's text there: each piece between two of them is a unit of its own. Bookmarks, comment anchors
and tracked-change marks hold no text: they stay between the same runs without splitting them. Adjacent spans of
one style are not merged: each is a run.
"""

import zipfile
from dataclasses import dataclass
from io import BytesIO
from itertools import groupby
from typing import Iterator, Optional

from odf.element import Element, Node, Text
from odf.namespaces import OFFICENS, TEXTNS
from odf.opendocument import OpenDocument, load

from textml.documents.files import BrokenFile, FileFormat, Unit
from textml.documents.files.runs import fill, with_text

MEDIA_TYPE = "application/vnd.oasis.opendocument.text"

PARAGRAPHS = frozenset({(TEXTNS, "p"), (TEXTNS, "h")})
# The elements whose text is a run of its own formatting.
WRAPPERS = frozenset({(TEXTNS, "span"), (TEXTNS, "a")})
# Marks of a place in the text, holding no text of the paragraph's own.
MARKS = frozenset(
    {(OFFICENS, "annotation"), (OFFICENS, "annotation-end"), (TEXTNS, "soft-page-break")}
    | {
        (TEXTNS, f"{mark}{end}")
        for mark in ("bookmark", "reference-mark", "change", "toc-mark", "alphabetical-index-mark", "user-index-mark")
        for end in ("", "-start", "-end")
    }
)


@dataclass
class OdtDocument:
    document: OpenDocument
    segments: list[list[Text]]  # each unit's text nodes, one per run
    units: list[Unit]

    def render(self, translations: list[str]) -> bytes:
        fill(self.segments, translations, lambda text: text.data, lambda text, value: setattr(text, "data", value))
        out = BytesIO()
        self.document.save(out)
        return out.getvalue()


def read(data: bytes) -> OdtDocument:
    document = opened(data)
    segments = [
        segment
        for root in (document.body, document.masterstyles)
        for paragraph in paragraphs_in(root)
        for segment in segments_of(paragraph)
    ]
    return OdtDocument(document, *with_text(segments, lambda text: text.data))


def opened(data: bytes) -> OpenDocument:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise BrokenFile(
            "the file is not an OpenDocument text (.odt): it is not a zip package, as an .odt is"
        ) from None
    with archive:
        if "mimetype" not in archive.namelist():
            raise BrokenFile("the file is a zip but not an OpenDocument file: it has no mimetype member")
        mimetype = archive.read("mimetype").decode("utf-8", "replace").strip()
    if mimetype != MEDIA_TYPE:
        raise BrokenFile(f"the file is not an OpenDocument text (.odt): its mimetype is {mimetype!r}")
    return load(BytesIO(data))


def paragraphs_in(element: Element) -> Iterator[Element]:
    for child in element.childNodes:
        if child.nodeType == Node.ELEMENT_NODE:
            if child.qname in PARAGRAPHS:
                yield child
            yield from paragraphs_in(child)  # a frame's or a note's own paragraphs


def segments_of(paragraph: Element) -> Iterator[list[Text]]:
    """The paragraph's text between the things that split it, each piece as its runs' text nodes. A mark between
    two text nodes keeps them apart as two runs, so that it stays between the same words."""
    for is_text, pieces in groupby(pieces_of(paragraph), key=lambda piece: piece is not None):
        if is_text:
            yield list(pieces)


def pieces_of(container: Element) -> Iterator[Optional[Text]]:
    """The text nodes of a paragraph in order, with None for each thing that splits its text."""
    for child in container.childNodes:
        if child.nodeType == Node.TEXT_NODE:
            yield child
        elif child.nodeType == Node.ELEMENT_NODE and child.qname in WRAPPERS:
            yield from pieces_of(child)
        elif child.nodeType != Node.ELEMENT_NODE or child.qname not in MARKS:
            yield None


FORMAT = FileFormat(name="odt", extensions=(".odt",), media_type=MEDIA_TYPE, read=read)
