"""TextService: summarize, translate, and summarize-then-translate, for the HTTP routes and the gRPC
methods alike. Lists in, lists out, in order; one text is a list of one.

It lives in the ingress replica (Translator): translations are decoded in that replica's own batch queue,
summaries by the Summarizer deployment, one handle call away. A text of any length is translated sentence by
sentence and summarized whole (models/documents.py).
"""

from typing import Optional, Protocol

from ray.serve.handle import DeploymentHandle

from textml.models.documents import Summarized, Translated
from textml.service.schema import Segment, Summary, SummaryTranslation, Translation


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
        return list(map(summary, await self.summarizer.summarize_many.remote(texts, min_length, max_length)))

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
