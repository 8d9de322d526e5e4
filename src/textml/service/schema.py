"""What text_ml_app takes and answers, whatever the transport: request bodies validated by pydantic (the
gRPC methods read their messages with them too) and the results TextService returns, published in the
OpenAPI document."""

from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from textml.engines.t5 import LANGUAGES
from textml.limits import MAX_BATCH_CHARS, MAX_BATCH_TEXTS, MAX_SUMMARY_TOKENS, MAX_TEXT_CHARS
from textml.models.settings import lengths_in_order

# The error type of a text or batch over its length limit: refused with 413, not 422 (transport/errors.py).
TOO_LONG = "text_too_long"


def _document(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("blank_text", "Text should not be empty or blank")
    if len(text) > MAX_TEXT_CHARS:
        raise PydanticCustomError(
            TOO_LONG,
            "is {length} characters long; the limit is {limit}",
            {"length": f"{len(text):,}", "limit": f"{MAX_TEXT_CHARS:,}"},
        )
    return text


def _texts(texts: list[str]) -> list[str]:
    total = sum(map(len, texts))
    if total > MAX_BATCH_CHARS:
        raise PydanticCustomError(
            TOO_LONG,
            "are {length} characters long together; the limit is {limit}",
            {"length": f"{total:,}", "limit": f"{MAX_BATCH_CHARS:,}"},
        )
    return texts


EnglishText = Annotated[
    str,
    AfterValidator(_document),
    Field(
        description=f"English text of any length up to {MAX_TEXT_CHARS:,} characters: split into sentences, "
        "each translated; summarized whole, in chunks if it is longer than the model's input window",
        examples=["It was the best of times, it was the worst of times."],
    ),
]
# Languages are named in any case, as in user_config: "German" is "german".
Language = Annotated[
    Literal[tuple(LANGUAGES)], BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value)
]
LanguageChoice = Annotated[Optional[Language], Field(description="unset: the language in the Translator's user_config")]
# In tokens, counting the decoder's start token as Hugging Face does: 2 is one token of summary.
SummaryLength = Annotated[Optional[int], Field(ge=2, le=MAX_SUMMARY_TOKENS, description="in tokens")]
Texts = Annotated[list[EnglishText], Field(min_length=1, max_length=MAX_BATCH_TEXTS), AfterValidator(_texts)]


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


class Segment(BaseModel):
    """A sentence of the text (or a piece of one too long for the model) and its translation."""

    source: str = Field(description="text[start:end]")
    translation: str
    start: int = Field(description="character offset of source in the text")
    end: int


class TranslateRequest(Body):
    text: EnglishText
    language: LanguageChoice = None


class Translation(BaseModel):
    translation: str = Field(description="the segments' translations, joined with the text's paragraph breaks")
    language: Language
    segments: list[Segment] = Field(description="in order, covering the text; only whitespace between them")


class TranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None


class TranslationBatch(BaseModel):
    translations: list[str]
    language: Language
    segments: list[list[Segment]] = Field(description="each text's segments")


class SummarizeRequest(Lengths):
    text: EnglishText


class Summary(BaseModel):
    summary: str
    chunks: int = Field(description="how many chunks the text was summarized in at first (1: whole)")
    levels: int = Field(description="rounds of summarizing (1: the text fit the model's input window)")


class SummarizeBatchRequest(Lengths):
    texts: Texts


class SummaryBatch(BaseModel):
    summaries: list[str]
    chunks: list[int]
    levels: list[int]


class SummarizeTranslateRequest(Body):
    text: EnglishText
    language: LanguageChoice = None


class SummaryTranslation(BaseModel):
    summary: str
    translation: str = Field(description="the summary, translated")
    language: Language
    segments: list[Segment] = Field(description="the summary's segments and their translations")
    chunks: int
    levels: int


class SummarizeTranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None


class SummaryTranslationBatch(BaseModel):
    summaries: list[str]
    translations: list[str]
    language: Language
    segments: list[list[Segment]]
    chunks: list[int]
    levels: list[int]


class Error(BaseModel):
    error: str = Field(description="what was wrong, naming the field")
