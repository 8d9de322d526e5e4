"""What text_ml_app takes and answers, whatever the transport: request bodies validated by pydantic (the
gRPC methods read their messages with them too) and the results TextService returns, published in the
OpenAPI document."""

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from textml.engines.t5 import LANGUAGES
from textml.limits import MAX_BATCH_TEXTS, MAX_SUMMARY_TOKENS, MAX_TEXT_CHARS
from textml.models.settings import lengths_in_order

EnglishText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS),
    Field(description="English text; T5 reads its first 512 tokens", examples=["It was the best of times."]),
]
Language = Literal[tuple(LANGUAGES)]
LanguageChoice = Annotated[Optional[Language], Field(description="unset: the language in the Translator's user_config")]
# In tokens, counting the decoder's start token as Hugging Face does: 2 is one token of summary.
SummaryLength = Annotated[Optional[int], Field(ge=2, le=MAX_SUMMARY_TOKENS, description="in tokens")]
Texts = Annotated[list[EnglishText], Field(min_length=1, max_length=MAX_BATCH_TEXTS)]


class Body(BaseModel):
    # A misspelt field is refused by name, not ignored.
    model_config = ConfigDict(extra="forbid")


class Lengths(Body):
    min_length: SummaryLength = None
    max_length: SummaryLength = None

    @model_validator(mode="after")
    def _in_order(self):
        return lengths_in_order(self)

    def lengths(self) -> dict:
        """The lengths the request gives, as keyword arguments."""
        return self.model_dump(include={"min_length", "max_length"}, exclude_none=True)


class TranslateRequest(Body):
    text: EnglishText
    language: LanguageChoice = None


class Translation(BaseModel):
    translation: str
    language: Language


class TranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None


class TranslationBatch(BaseModel):
    translations: list[str]
    language: Language


class SummarizeRequest(Lengths):
    text: EnglishText


class Summary(BaseModel):
    summary: str


class SummarizeBatchRequest(Lengths):
    texts: Texts


class SummaryBatch(BaseModel):
    summaries: list[str]


class SummarizeTranslateRequest(Body):
    text: EnglishText
    language: LanguageChoice = None


class SummaryTranslation(BaseModel):
    summary: str
    translation: str
    language: Language


class SummarizeTranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None


class SummaryTranslationBatch(BaseModel):
    summaries: list[str]
    translations: list[str]
    language: Language


class Error(BaseModel):
    error: str = Field(description="what was wrong, naming the field")
