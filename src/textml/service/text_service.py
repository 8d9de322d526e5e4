"""TextService: summarize, translate, and summarize-then-translate, for the HTTP routes and the gRPC
methods alike. Lists in, lists out, in order; one text is a list of one.

It lives in the ingress replica (Translator): translations are decoded in that replica's own batch queue,
summaries by the Summarizer deployment, one handle call away. A text of any length is translated sentence by
sentence and summarized whole (models/documents.py).
"""

import asyncio
import logging
from typing import Optional, Protocol

from ray.exceptions import RayActorError
from ray.serve.handle import DeploymentHandle

from textml.models.documents import Summarized, Translated
from textml.service.schema import Segment, Summary, SummaryTranslation, Translation

logger = logging.getLogger("ray.serve")
# When the Summarizer replica a call went to dies, the call is made again after each of these pauses (Serve's
# router learns of the loss within a second or two and sends it to another replica); then it fails with 503.
# A request's deadline bounds them all.
RETRY_DELAYS_S = (0.2, 0.5, 1, 2, 4)


class Translating(Protocol):
    """What TextService needs of the translator in its replica."""

    def language_for(self, requested: Optional[str]) -> str:
        """The language a request asking for `requested` (None: the configured one) gets."""

    async def translate_many(self, texts: list[str], language: str) -> list[Translated]: ...


def translation(text: str, translated: Translated, language: str) -> Translation:
    segments = [
        Segment(source=text[start:end], translation=t, start=start, end=end) for start, end, t in translated.pieces
    ]
    return Translation(translation=translated.translation, language=language, segments=segments)


def summary(summarized: Summarized) -> Summary:
    return Summary(summary=summarized.summary, chunks=summarized.chunks, levels=summarized.levels)


class TextService:
    def __init__(self, summarizer: DeploymentHandle, translator: Translating):
        self.summarizer = summarizer
        self.translator = translator

    async def summarize(
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
                await self.summarize(["warm up"])
        except Exception as error:  # not ready, or failing: the requests will say so themselves
            logger.warning("Summarizer not answering at start (%s: %s)", type(error).__name__, error)

    async def translate(self, texts: list[str], language: Optional[str] = None) -> list[Translation]:
        language = self.translator.language_for(language)
        translated = await self.translator.translate_many(texts, language)
        return [translation(text, result, language) for text, result in zip(texts, translated, strict=True)]

    async def summarize_translate(self, texts: list[str], language: Optional[str] = None) -> list[SummaryTranslation]:
        summaries = await self.summarize(texts)
        translations = await self.translate([s.summary for s in summaries], language)
        return [
            SummaryTranslation(**s.model_dump(), **t.model_dump()) for s, t in zip(summaries, translations, strict=True)
        ]
