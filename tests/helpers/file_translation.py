"""Files translated by a rule instead of a model (each sentence upper-cased, say), through the same reading,
markup and rendering code the service runs: where every word went is known. The real models' answers on files
are checked through the service (tests/cluster/test_files.py)."""

from typing import Callable

from textml.documents.alignment import OffsetMap, pieces_of
from textml.documents.files import Unit
from textml.documents.files.formats import read_file
from textml.documents.markup import Markup
from textml.documents.segmentation import joined, sentences


def by_rule(text: str, rule: Callable[[str], str]) -> tuple[str, OffsetMap]:
    """A text sentence by sentence, as the documents core does, with `rule` as the model."""
    spans = sentences(text)
    parts = [rule(span.of(text)) for span in spans]
    translation = joined(text, spans, parts)
    pieces = pieces_of(translation, [(span.start, span.end, part) for span, part in zip(spans, parts, strict=True)])
    return translation, OffsetMap(translation, pieces)


def unit_by_rule(unit: Unit, rule: Callable[[str], str]) -> str:
    """A unit as the service translates it: plain text, or markup with its tags kept."""
    if unit.markup is None:
        return by_rule(unit.text, rule)[0] if unit.text.strip() else unit.text
    markup = Markup(unit.text, unit.markup, unit.tags)
    return markup.render([by_rule(text, rule) for text in markup.texts])


def translated_file(filename: str, data: bytes, rule: Callable[[str], str] = str.upper) -> bytes:
    document = read_file(filename, data)
    return document.render([unit_by_rule(unit, rule) for unit in document.units])
