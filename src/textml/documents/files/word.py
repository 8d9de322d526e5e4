"""Word documents (.docx) translated with their structure kept: the paragraphs of the body, its tables (nested
ones too) and text boxes, of every section's headers and footers (first-page and even-page ones too), of footnotes,
endnotes and comments.

A paragraph's text runs (`w:r` holding `w:t`, inside hyperlinks, tracked insertions and content controls too) are
one unit, each run's formatting landing on the words it wrapped (runs.py); adjacent runs of one formatting are
merged first. What else a paragraph holds stays where it is, between the same runs:
- a tab, a line or page break, a drawing, a field's code or an equation splits the paragraph's text there, each
  piece between two of them a unit of its own (the text on either side can't be told apart once translated);
- a comment's range and reference, a footnote's reference and a bookmark split nothing, and keep the runs on their
  two sides apart.
Paragraph properties (styles, list numbering) and field codes are never touched; a field's shown result is
translated as text.
"""

import zipfile
from dataclasses import dataclass
from enum import Enum
from io import BytesIO
from itertools import groupby
from typing import Iterator, Union

import lxml.etree as etree
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.part import PartFactory, XmlPart
from docx.package import Package

from textml.documents.files import BrokenFile, FileFormat, Unit
from textml.documents.files.runs import fill, with_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# The parts whose paragraphs are translated. Glossaries, styles and numbering definitions are not.
STORIES = frozenset(
    {CT.WML_DOCUMENT_MAIN, CT.WML_HEADER, CT.WML_FOOTER, CT.WML_FOOTNOTES, CT.WML_ENDNOTES, CT.WML_COMMENTS}
)
# python-docx keeps footnotes and endnotes as bytes it never parses; read as XML parts instead, they are edited in
# place and written back like the body.
PartFactory.part_type_for.setdefault(CT.WML_FOOTNOTES, XmlPart)
PartFactory.part_type_for.setdefault(CT.WML_ENDNOTES, XmlPart)

# In a run, neither text nor a thing with a place of its own: formatting, where a page last ended, a hyphenation point.
NOT_CONTENT = frozenset({W + "rPr", W + "lastRenderedPageBreak", W + "softHyphen"})
# In a paragraph, never walked: its properties, text deleted by tracked changes, a text box's own paragraphs.
NOT_WALKED = frozenset({W + "pPr", W + "del", W + "moveFrom", W + "p"})
EQUATIONS = frozenset({MATH + "oMath", MATH + "oMathPara"})
# Marks of a place, in a paragraph or in a run, holding no text of the paragraph's own.
ANCHORS = frozenset(
    W + name
    for name in (
        "bookmarkStart bookmarkEnd commentRangeStart commentRangeEnd commentReference annotationRef "
        "footnoteReference endnoteReference footnoteRef endnoteRef"
    ).split()
)


class Mark(Enum):
    """What a paragraph holds besides text."""

    SPLIT = "split"  # its text on either side is a unit of its own
    ANCHOR = "anchor"  # the runs on either side are not merged


Piece = Union[etree._Element, Mark]  # a `w:t`, or a Mark


@dataclass
class WordDocument:
    package: Package
    segments: list[list[etree._Element]]  # each unit's `w:t`, one per run
    units: list[Unit]

    def render(self, translations: list[str]) -> bytes:
        fill(self.segments, translations, lambda text: text.text or "", write)
        out = BytesIO()
        self.package.save(out)
        return out.getvalue()


def read(data: bytes) -> WordDocument:
    package = opened(data)
    stories = [part.element for part in package.iter_parts() if part.content_type in STORIES]
    segments = [
        segment
        for story in stories
        for paragraph in list(story.iter(W + "p"))  # listed first: merging runs edits the tree
        for segment in segments_of(paragraph)
    ]
    return WordDocument(package, *with_text(segments, lambda text: text.text or ""))


def opened(data: bytes) -> Package:
    try:
        package = Package.open(BytesIO(data))
        main = package.main_document_part
    except zipfile.BadZipFile:
        raise BrokenFile("the file is not a Word document (.docx): it is not a zip package, as a .docx is") from None
    except KeyError as error:  # a member or a relationship the package needs is missing
        raise BrokenFile(f"the file is a zip but not a readable Word document (.docx): {error.args[0]}") from None
    if main.content_type != CT.WML_DOCUMENT_MAIN:
        raise BrokenFile(f"the file is not a Word document (.docx): its main part is a {main.content_type}")
    return package


def segments_of(paragraph: etree._Element) -> Iterator[list[etree._Element]]:
    """The paragraph's text between the things that split it, each piece as its runs' `w:t`."""
    # Listed first: merging runs edits the paragraph.
    for is_text, pieces in groupby(list(pieces_of(paragraph)), key=lambda piece: piece is not Mark.SPLIT):
        if is_text:
            yield merged(list(pieces))


def pieces_of(container: etree._Element) -> Iterator[Piece]:
    """The `w:t` of a paragraph in order, with a Mark for each thing that stays in its place."""
    for child in container:
        if child.tag == W + "r":
            for inner in child:
                if inner.tag == W + "t":
                    yield inner
                elif inner.tag in ANCHORS:
                    yield Mark.ANCHOR
                elif inner.tag not in NOT_CONTENT:
                    yield Mark.SPLIT
        elif child.tag in ANCHORS:
            yield Mark.ANCHOR
        elif child.tag in EQUATIONS:
            yield Mark.SPLIT
        elif child.tag not in NOT_WALKED:
            yield from pieces_of(child)  # a hyperlink, an insertion, a content control, a simple field


def merged(pieces: list[Piece]) -> list[etree._Element]:
    """One `w:t` for each group of adjacent runs of one formatting, holding the group's text; the others removed.
    Word splits runs for spell checking and revision ids, and fewer runs align better."""
    kept = []
    for key, group in groupby(pieces, key=formatting):
        if key is Mark.ANCHOR:
            continue
        first, *rest = group
        if rest:
            write(first, "".join(text.text or "" for text in (first, *rest)))
            for text in rest:
                remove(text)
        kept.append(first)
    return kept


def formatting(piece: Piece) -> Union[tuple, Mark]:
    """What a run's formatting is: where it sits (a hyperlink, an insertion) and its properties."""
    if piece is Mark.ANCHOR:
        return piece
    run = piece.getparent()
    properties = run.find(W + "rPr")
    return run.getparent(), b"" if properties is None else etree.tostring(properties, with_tail=False)


def remove(text: etree._Element) -> None:
    run = text.getparent()
    run.remove(text)
    if all(child.tag == W + "rPr" for child in run):
        run.getparent().remove(run)


def write(text: etree._Element, value: str) -> None:
    text.text = value
    if value != value.strip():  # Word drops a w:t's edge spaces unless told not to
        text.set(XML_SPACE, "preserve")


FORMAT = FileFormat(
    name="docx",
    extensions=(".docx",),
    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    read=read,
)
