"""TextService: summarize, translate, summarize-then-translate, the languages served and detection, for the
HTTP routes and the gRPC methods alike. Lists in, lists out, in order; one text is a list of one.

It lives in the ingress replica (Translator): translations are decoded in that replica's own batch queue,
summaries by the Summarizer deployment, one handle call away. A text of any length is translated sentence by
sentence and summarized whole (models/documents.py). Which model translates a pair, or which two through
English, the Translator's catalog says (languages/catalog.py); a source given as `auto` is detected here.
"""

import asyncio
import logging
from typing import Optional, Protocol

from ray.exceptions import RayActorError
from ray.serve.handle import DeploymentHandle

from textml.access.gate import charge
from textml.documents.alignment import OffsetMap, pieces_of
from textml.documents.markup import NO_TAGS, Kind, Markup, Tags
from textml.documents.segmentation import Span
from textml.exceptions import NotServed
from textml.languages.catalog import Catalog, Step
from textml.languages.codes import AUTO, language_name
from textml.languages.detection import detect
from textml.models.documents import Summarized, Translated
from textml.service.schema import Detection, LanguageEntry, Segment, Summary, SummaryTranslation, Translation

logger = logging.getLogger("ray.serve")
# When the Summarizer replica a call went to dies, the call is made again after each of these pauses (Serve's
# router learns of the loss within a second or two and sends it to another replica); then it fails with 503.
# A request's deadline bounds them all.
RETRY_DELAYS_S = (0.2, 0.5, 1, 2, 4)


# Detection candidates a /detect answer lists at most.
DETECTED_LANGUAGES = 3


class Translating(Protocol):
    """What TextService needs of the translator in its replica."""

    catalog: Catalog  # which model translates which pair
    default_language: str  # the target of a request that names none (an ISO code)

    async def translate_many(self, texts: list[str], steps: tuple[Step, ...]) -> list[Translated]: ...


def translation(text: str, translated: Translated, target: str, source: str, steps: tuple[Step, ...]) -> Translation:
    segments = [
        Segment(source=span.of(text), translation=t, start=span.start, end=span.end) for span, t in translated.pieces
    ]
    return Translation(
        translation=translated.translation,
        language=language_name(target).lower(),
        source=source,
        pivot=steps[0].target if len(steps) > 1 else None,
        segments=segments,
    )


def unchanged(text: str) -> Translated:
    """A text whose source is its target: answered as it is."""
    return Translated(text, [(Span(0, len(text)), text)])


def offsets_of(result: Translation) -> OffsetMap:
    """Where each position of a translated text lies in its translation, from its segments."""
    segments = [(segment.start, segment.end, segment.translation) for segment in result.segments]
    return OffsetMap(result.translation, pieces_of(result.translation, segments))


def summary(summarized: Summarized) -> Summary:
    return Summary(summary=summarized.summary, chunks=summarized.chunks, levels=summarized.levels)


class TextService:
    def __init__(self, summarizer: DeploymentHandle, translator: Translating):
        self.summarizer = summarizer
        self.translator = translator

    async def summarize(
        self, texts: list[str], min_length: Optional[int] = None, max_length: Optional[int] = None
    ) -> list[Summary]:
        await charge(texts)
        return await self._summarize(texts, min_length, max_length)

    async def _summarize(
        self, texts: list[str], min_length: Optional[int] = None, max_length: Optional[int] = None
    ) -> list[Summary]:
        for delay_s in (*RETRY_DELAYS_S, None):
            response = self.summarizer.summarize_many.remote(texts, min_length, max_length)
            try:
                return list(map(summary, await response))
            except asyncio.CancelledError:
                # Serve cancels the call itself when the whole request is cancelled (its client left), but not
                # when only this wait is (the request's deadline passed): then the call must be told.
                response.cancel()
                raise
            except RayActorError as error:  # the replica died, or its node: summarizing is idempotent, ask another
                if delay_s is None:
                    raise
                logger.warning("a Summarizer replica was lost (%s); retrying in %.1f s", type(error).__name__, delay_s)
                await asyncio.sleep(delay_s)

    async def warm_up(self, timeout_s: float = 30):
        """One summary through the Summarizer handle, so a new ingress replica's first requests don't wait while
        the handle finds Summarizer's replicas. A Summarizer not up in time only costs those requests that wait."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._summarize(["warm up"])
        except Exception as error:  # not ready, or failing: the requests will say so themselves
            logger.warning("Summarizer not answering at start (%s: %s)", type(error).__name__, error)

    async def translate(
        self, texts: list[str], language: Optional[str] = None, source: Optional[str] = None
    ) -> list[Translation]:
        """Each text into `language` (an ISO code; None: the configured one) from `source` (an ISO code, or
        None or 'auto': detected per text). Texts of one source share batches."""
        await charge(texts)
        return await self._translate(texts, language, await self.sources_of(texts, source))

    async def _translate(self, texts: list[str], language: Optional[str], sources: list[str]) -> list[Translation]:
        target = language or self.translator.default_language
        catalog = self.translator.catalog
        by_source: dict[str, list[int]] = {}
        for index, source in enumerate(sources):
            by_source.setdefault(source, []).append(index)
        routes = {source: () if source == target else catalog.route(source, target) for source in by_source}

        async def translated(source: str, indices: list[int]) -> list[Translated]:
            group = [texts[index] for index in indices]
            if not routes[source]:
                return [unchanged(text) for text in group]
            return await self.translator.translate_many(group, routes[source])

        results: list[Translation | None] = [None] * len(texts)
        groups = await asyncio.gather(*(translated(source, indices) for source, indices in by_source.items()))
        for (source, indices), group in zip(by_source.items(), groups, strict=True):
            for index, result in zip(indices, group, strict=True):
                results[index] = translation(texts[index], result, target, source, routes[source])
        return results

    async def translate_markup(
        self,
        documents: list[str],
        language: Optional[str] = None,
        source: Optional[str] = None,
        kind: Kind = "html",
        tags: Tags = NO_TAGS,
    ) -> list[Translation]:
        """Each HTML (or XML) document translated with its tags kept (documents/markup.py): the prose between
        block boundaries translated as texts of their own, in one call; an `auto` source detected on each
        document's prose. MarkupError names a document that can't be read."""
        await charge(documents)
        target = language or self.translator.default_language
        parsed = await asyncio.to_thread(lambda: [Markup(document, kind, tags) for document in documents])
        prose = [" ".join(markup.texts) for markup in parsed]
        with_text = [index for index, text in enumerate(prose) if text.strip()]
        detected = await self.sources_of([prose[index] for index in with_text], source)
        sources = [source if source and source != AUTO else target] * len(documents)
        for index, found in zip(with_text, detected, strict=True):
            sources[index] = found
        texts = [text for markup in parsed for text in markup.texts]
        text_sources = [sources[index] for index, markup in enumerate(parsed) for _ in markup.texts]
        translated = iter(await self._translate(texts, target, text_sources))

        def rendered(markup: Markup) -> tuple[str, Optional[str]]:
            runs = [next(translated) for _ in markup.texts]
            return markup.render([(run.translation, offsets_of(run)) for run in runs]), next(
                (run.pivot for run in runs), None
            )

        results = await asyncio.to_thread(lambda: [rendered(markup) for markup in parsed])
        name = language_name(target).lower()
        return [
            Translation(translation=text, language=name, source=source, pivot=pivot, segments=[])
            for (text, pivot), source in zip(results, sources, strict=True)
        ]

    async def sources_of(self, texts: list[str], source: Optional[str]) -> list[str]:
        """Each text's source language: the one given, the only one the models translate from, or detected;
        NotServed naming a detected language no model translates from."""
        if source and source != AUTO:
            return [source] * len(texts)
        served = self.translator.catalog.sources()
        if len(served) == 1:  # nothing to choose between
            return served * len(texts)
        detected = await asyncio.to_thread(lambda: [detect(text, limit=1) for text in texts])
        sources = []
        for text, best in zip(texts, detected, strict=True):
            if not best:
                raise NotServed(
                    f"the text's language could not be detected (got {text[:40]!r}); give `source`, one of "
                    f"{', '.join(served)}"
                )
            code, confidence = best[0]
            if code not in served:
                raise NotServed(
                    f"the text is in {language_name(code)} ({code}, detected with confidence {confidence:.2f}); no "
                    f"model translates from {code}: the sources served are {', '.join(served)}"
                )
            sources.append(code)
        return sources

    async def summarize_translate(
        self, texts: list[str], language: Optional[str] = None, source: Optional[str] = None
    ) -> list[SummaryTranslation]:
        """Each text summarized, the summary translated; an `auto` source is detected on the text itself."""
        await charge(texts)
        sources = await self.sources_of(texts, source)
        summaries = await self._summarize(texts)
        translations = await self._translate([s.summary for s in summaries], language, sources)
        return [
            SummaryTranslation(**s.model_dump(), **t.model_dump()) for s, t in zip(summaries, translations, strict=True)
        ]

    def languages(self) -> list[LanguageEntry]:
        return [LanguageEntry(**entry) for entry in self.translator.catalog.languages()]

    async def detect(self, text: str) -> list[Detection]:
        """The likeliest languages of `text`, best first."""
        await charge([text])
        found = await asyncio.to_thread(detect, text, None, DETECTED_LANGUAGES)
        return [Detection(language=code, confidence=confidence) for code, confidence in found]

    async def confidence(self, text: str, code: str) -> float:
        """How sure the detector is that `text` is in `code`, 0 to 1: for answers that report what a translation
        detected (its characters were counted with the translation)."""
        found = await asyncio.to_thread(detect, text, None, DETECTED_LANGUAGES)
        return dict(found).get(code, 0.0)
