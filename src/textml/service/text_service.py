"""TextService: summarize, translate, and summarize-then-translate, for the HTTP routes and the gRPC
methods alike. Lists in, lists out, in order; one text is a list of one.

It lives in the ingress replica (Translator): translations are decoded in that replica's own batch queue,
summaries by the Summarizer deployment, one handle call away.
"""

from typing import Optional, Protocol

from ray.serve.handle import DeploymentHandle

from textml.service.schema import Summary, SummaryTranslation, Translation


class Translating(Protocol):
    """What TextService needs of the translator in its replica."""

    def language_for(self, requested: Optional[str]) -> str:
        """The language a request asking for `requested` (None: the configured one) gets."""

    async def translate_many(self, texts: list[str], language: str) -> list[str]: ...


class TextService:
    def __init__(self, summarizer: DeploymentHandle, translator: Translating):
        self.summarizer = summarizer
        self.translator = translator

    async def summarize(
        self, texts: list[str], min_length: Optional[int] = None, max_length: Optional[int] = None
    ) -> list[Summary]:
        summaries = await self.summarizer.summarize_many.remote(texts, min_length, max_length)
        return [Summary(summary=summary) for summary in summaries]

    async def translate(self, texts: list[str], language: Optional[str] = None) -> list[Translation]:
        language = self.translator.language_for(language)
        translations = await self.translator.translate_many(texts, language)
        return [Translation(translation=translation, language=language) for translation in translations]

    async def summarize_translate(self, texts: list[str], language: Optional[str] = None) -> list[SummaryTranslation]:
        summaries = await self.summarize(texts)
        translations = await self.translate([s.summary for s in summaries], language)
        return [
            SummaryTranslation(summary=s.summary, translation=t.translation, language=t.language)
            for s, t in zip(summaries, translations, strict=True)
        ]
