"""PowerPoint presentations (.pptx) translated with their structure kept: the paragraphs of every slide's shapes
(placeholders, text boxes, shapes inside groups, table cells) and of its speaker notes. Slide layouts and masters
are left as they are.

A paragraph's runs (`a:r`, a hyperlink being part of a run's properties) are one unit, each run's formatting
landing on the words it wrapped (runs.py). A line break (`a:br`), a field (a slide number, a date: PowerPoint
writes its text anew) or an equation stays where it is and splits the paragraph's text there: each piece between
two of them is a unit of its own.
"""

import zipfile
from copy import deepcopy
from dataclasses import dataclass
from io import BytesIO
from itertools import groupby
from typing import Iterator, Optional

import lxml.etree as etree
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.package import Package
from pptx.presentation import Presentation

from textml.documents.files import BrokenFile, FileFormat, Unit
from textml.documents.files.runs import fill, with_text

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

PRESENTATIONS = frozenset({CT.PML_PRESENTATION_MAIN, CT.PML_PRES_MACRO_MAIN})
# In a paragraph, neither text nor a thing with a place of its own.
NOT_CONTENT = frozenset({A + "pPr", A + "endParaRPr"})
# Run properties that record spell checking, not formatting: PowerPoint splits runs where they change.
SPELL_CHECKING = ("err", "dirty")


@dataclass
class SlidesDocument:
    presentation: Presentation
    segments: list[list[etree._Element]]  # each unit's `a:t`, one per run
    units: list[Unit]

    def render(self, translations: list[str]) -> bytes:
        fill(
            self.segments, translations, lambda text: text.text or "", lambda text, value: setattr(text, "text", value)
        )
        out = BytesIO()
        self.presentation.save(out)
        return out.getvalue()


def read(data: bytes) -> SlidesDocument:
    presentation = opened(data)
    segments = [
        segment
        for frame in text_holders(presentation)
        for paragraph in list(frame.iter(A + "p"))  # listed first: merging runs edits the tree
        for segment in segments_of(paragraph)
    ]
    return SlidesDocument(presentation, *with_text(segments, lambda text: text.text or ""))


def opened(data: bytes) -> Presentation:
    try:
        main = Package.open(BytesIO(data)).main_document_part
    except zipfile.BadZipFile:
        raise BrokenFile(
            "the file is not a PowerPoint presentation (.pptx): it is not a zip package, as a .pptx is"
        ) from None
    except KeyError as error:  # a member or a relationship the package needs is missing
        raise BrokenFile(
            f"the file is a zip but not a readable PowerPoint presentation (.pptx): {error.args[0]}"
        ) from None
    if main.content_type not in PRESENTATIONS:
        raise BrokenFile(f"the file is not a PowerPoint presentation (.pptx): its main part is a {main.content_type}")
    return main.presentation


def text_holders(presentation: Presentation) -> Iterator[etree._Element]:
    """Each slide's tree (its shapes, groups and tables), then its speaker notes."""
    for slide in presentation.slides:
        yield slide.element
        notes = slide.notes_slide.notes_placeholder if slide.has_notes_slide else None
        if notes is not None:
            yield notes.element


def segments_of(paragraph: etree._Element) -> Iterator[list[etree._Element]]:
    """The paragraph's text between the things that split it, each piece as its runs' `a:t`."""
    # Listed first: merging runs edits the paragraph.
    for is_text, pieces in groupby(list(pieces_of(paragraph)), key=lambda piece: piece is not None):
        if is_text:
            yield merged(list(pieces))


def pieces_of(paragraph: etree._Element) -> Iterator[Optional[etree._Element]]:
    """The runs of a paragraph in order, with None for each thing that splits its text."""
    for child in paragraph:
        if child.tag == A + "r":
            yield child
        elif child.tag not in NOT_CONTENT:
            yield None


def merged(runs: list[etree._Element]) -> list[etree._Element]:
    """The `a:t` of the first of each group of adjacent runs of one formatting, holding the group's text; the other
    runs removed. Fewer runs align better."""
    kept = []
    for _, group in groupby(runs, key=formatting):
        first, *rest = (run.find(A + "t") for run in group)
        if rest:
            first.text = "".join(text.text or "" for text in (first, *rest))
            for text in rest:
                run = text.getparent()
                run.getparent().remove(run)
        kept.append(first)
    return kept


def formatting(run: etree._Element) -> bytes:
    """A run's properties (its hyperlink among them), but for the marks spell checking leaves."""
    properties = run.find(A + "rPr")
    if properties is None:
        return b""
    properties = deepcopy(properties)
    for name in SPELL_CHECKING:
        properties.attrib.pop(name, None)
    return etree.tostring(properties, with_tail=False)


FORMAT = FileFormat(
    name="pptx",
    extensions=(".pptx",),
    media_type="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    read=read,
)
