"""A paragraph of runs (a word processor's or a slide's: text with one formatting each) as one unit of XML markup,
so that the sentence is translated whole and each run's formatting lands on the words it wrapped (markup.py):
`<r i="0">Hello </r><r i="1">brave</r><r i="2"> world.</r>` becomes `<r i="0">Bonjour </r><r i="2">le monde
</r><r i="1">courageux</r><r i="2">.</r>`. Translated text outside every run goes to the run before it."""

from typing import Callable
from xml.sax.saxutils import escape

import lxml.etree as etree

from textml.documents.files import BrokenFile, Unit
from textml.documents.markup import Tags

RUN = "r"
RUN_TAGS = Tags(non_splitting=frozenset({RUN}))
PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def runs_unit(texts: list[str]) -> Unit:
    """The runs' texts as one unit; a run without text is left out (it gets "" back)."""
    markup = "".join(f'<{RUN} i="{index}">{escape(text)}</{RUN}>' for index, text in enumerate(texts) if text)
    return Unit(markup, markup="xml", tags=RUN_TAGS)


def plain(texts: list[str]) -> bool:
    """Whether a paragraph's runs have nothing to tell apart: one run (or none) holds all its text."""
    return sum(1 for text in texts if text) <= 1


def run_texts(translation: str, count: int) -> list[str]:
    """Each of `count` runs' text in a translated unit: a run the translation split gets its parts joined, a run
    it dropped gets ""."""
    try:
        root = etree.fromstring(f"<p>{translation}</p>".encode(), PARSER)
    except etree.XMLSyntaxError as error:
        raise BrokenFile(f"a translated paragraph could not be read back: {error}") from None
    texts = [""] * count
    last = 0
    if root.text:
        texts[0] += root.text
    for element in root:
        index = int(element.get("i", last))
        if 0 <= index < count:
            texts[index] += "".join(element.itertext())
            last = index
        if element.tail:
            texts[last] += element.tail
    return texts


def unit_of(texts: list[str]) -> Unit:
    """A paragraph's runs as one unit: plain text where one run holds it all."""
    return Unit("".join(texts)) if plain(texts) else runs_unit(texts)


def translated_texts(translation: str, texts: list[str]) -> list[str]:
    """Each run's text of a translated unit_of(texts): all of it to the one run that held text, if only one did."""
    if plain(texts):
        return [translation if text else "" for text in texts]
    return run_texts(translation, len(texts))


def fill(segments: list[list], translations: list[str], text_of: Callable, set_text: Callable):
    """Each unit's translation spread back over the runs (`segments[i]`) it was read from."""
    for segment, translation in zip(segments, translations, strict=True):
        texts = [text_of(run) for run in segment]
        for run, translated in zip(segment, translated_texts(translation, texts), strict=True):
            set_text(run, translated)


def with_text(segments: list[list], text_of: Callable) -> tuple[list[list], list[Unit]]:
    """The segments (each a paragraph's runs, or a piece of one) that hold text, and the unit each one is."""
    kept = [segment for segment in segments if "".join(map(text_of, segment)).strip()]
    return kept, [unit_of([text_of(run) for run in segment]) for segment in kept]
