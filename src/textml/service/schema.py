"""What text_ml_app takes and answers, whatever the transport: request bodies validated by pydantic (the
gRPC methods read their messages with them too) and the results TextService returns, published in the
OpenAPI document."""

from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from textml.languages.codes import AUTO, UnknownLanguage, language_code
from textml.limits import MAX_BATCH_CHARS, MAX_BATCH_TEXTS, MAX_SUMMARY_TOKENS, MAX_TEXT_CHARS
from textml.models.settings import lengths_in_order

# The error type of a text or batch over its length limit: refused with 413, not 422 (transport/errors.py).
TOO_LONG = "text_too_long"


def _document(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("blank_text", "should not be empty or blank")
    return _within_limit(text)


def _within_limit(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise PydanticCustomError(
            TOO_LONG,
            "is {length} characters long; the limit is {limit}",
            {"length": f"{len(text):,}", "limit": f"{MAX_TEXT_CHARS:,}"},
        )
    return text


def texts_within_limit(texts: list[str]) -> list[str]:
    total = sum(map(len, texts))
    if total > MAX_BATCH_CHARS:
        raise PydanticCustomError(
            TOO_LONG,
            "are {length} characters long together; the limit is {limit}",
            {"length": f"{total:,}", "limit": f"{MAX_BATCH_CHARS:,}"},
        )
    return texts


SourceText = Annotated[
    str,
    AfterValidator(_document),
    Field(
        description=f"Text of any length up to {MAX_TEXT_CHARS:,} characters: split into sentences, "
        "each translated; summarized whole, in chunks if it is longer than the model's input window",
        examples=["It was the best of times, it was the worst of times."],
    ),
]


# A text that may be blank (answered as it is), as DeepL's API takes them.
TextOrBlank = Annotated[str, AfterValidator(_within_limit)]


def _code(value, allow_auto: bool = False) -> str:
    """A language named or coded in any case ("German", "de", "DE") as its ISO 639-1 code."""
    if allow_auto and isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    if not isinstance(value, str):
        raise PydanticCustomError("language_type", "should be a language name or ISO 639-1 code")
    try:
        return language_code(value)
    except UnknownLanguage:
        raise PydanticCustomError(
            "unknown_language", "unknown language: give an ISO 639-1 code (e.g. 'de') or a name ('German')"
        ) from None


LanguageCode = Annotated[str, BeforeValidator(_code)]
LanguageChoice = Annotated[
    Optional[LanguageCode],
    Field(
        description="the target: a name ('German') or an ISO 639-1 code ('de'), any case; unset: the "
        "language in the Translator's user_config",
        examples=["de"],
    ),
]
SourceChoice = Annotated[
    Optional[str],
    BeforeValidator(lambda value: None if value is None else _code(value, allow_auto=True)),
    Field(
        description="the text's language: an ISO 639-1 code or a name, any case, or 'auto' (detected; where the "
        "models translate from one language only, that one); unset: 'auto'",
        examples=["en"],
    ),
]
# In answers: the target's English name in lower case, as the seed answered ("french").
LanguageName = Annotated[str, Field(description="the target language's English name, lower case")]
SourceAnswer = Annotated[str, Field(description="the source language's ISO 639-1 code, as given or as detected")]
PivotAnswer = Annotated[
    Optional[str], Field(description="'en' where no model serves the pair and the text went through English")
]
# In tokens, counting the decoder's start token as Hugging Face does: 2 is one token of summary.
SummaryLength = Annotated[Optional[int], Field(ge=2, le=MAX_SUMMARY_TOKENS, description="in tokens")]
Texts = Annotated[list[SourceText], Field(min_length=1, max_length=MAX_BATCH_TEXTS), AfterValidator(texts_within_limit)]


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


TextFormat = Annotated[
    Literal["text", "html"],
    Field(
        description="'html': the text is HTML, translated with every tag kept (inline tags on the words they "
        'wrapped; code, pre, script, style and translate="no" left as they are); its segments are not listed'
    ),
]


class TranslateRequest(Body):
    text: SourceText
    language: LanguageChoice = None
    source: SourceChoice = None
    format: TextFormat = "text"


class Translation(BaseModel):
    translation: str = Field(description="the segments' translations, joined with the text's paragraph breaks")
    language: LanguageName
    source: SourceAnswer
    pivot: PivotAnswer = None
    segments: list[Segment] = Field(description="in order, covering the text; only whitespace between them")


class TranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None
    source: SourceChoice = None
    format: TextFormat = "text"


class TranslationBatch(BaseModel):
    translations: list[str]
    language: LanguageName
    sources: list[str] = Field(description="each text's source language, as given or as detected")
    pivots: list[Optional[str]] = Field(description="each text's pivot ('en') or null")
    segments: list[list[Segment]] = Field(description="each text's segments")


class SummarizeRequest(Lengths):
    text: SourceText


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
    text: SourceText
    language: LanguageChoice = None
    source: SourceChoice = None


class SummaryTranslation(BaseModel):
    summary: str
    translation: str = Field(description="the summary, translated")
    language: LanguageName
    source: SourceAnswer
    pivot: PivotAnswer = None
    segments: list[Segment] = Field(description="the summary's segments and their translations")
    chunks: int
    levels: int


class SummarizeTranslateBatchRequest(Body):
    texts: Texts
    language: LanguageChoice = None
    source: SourceChoice = None


class SummaryTranslationBatch(BaseModel):
    summaries: list[str]
    translations: list[str]
    language: LanguageName
    sources: list[str]
    pivots: list[Optional[str]]
    segments: list[list[Segment]]
    chunks: list[int]
    levels: list[int]


class LanguageEntry(BaseModel):
    """A language text can be translated from (LibreTranslate's /languages shape)."""

    code: str = Field(description="ISO 639-1 code", examples=["en"])
    name: str = Field(examples=["English"])
    targets: list[str] = Field(description="the codes it can be translated into, directly or through English")


class DetectRequest(Body):
    text: SourceText


class Detection(BaseModel):
    language: str = Field(description="ISO 639-1 code", examples=["de"])
    confidence: float = Field(ge=0, le=1, description="the detector's probability for it")


class Error(BaseModel):
    error: str = Field(description="what was wrong, naming the field")


# The bodies the API's documentation offers for each request, by name ("Try it out" starts from the first);
# each is valid for its request type (tests/unit/test_openapi_examples.py).
SEED_TEXT = "It was the best of times, it was the worst of times."
NEXT_TEXT = "It was the age of wisdom, it was the age of foolishness."
OPENING = (  # A Tale of Two Cities' opening, to summarize
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, "
    "it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of "
    "Darkness, it was the spring of hope, it was the winter of despair."
)
GERMAN_TEXT = "Es war die beste aller Zeiten, es war die schlechteste aller Zeiten."
TEXT_EXAMPLES = {"seed": {"summary": "the seed's sentence, as a JSON string", "value": SEED_TEXT}}
EXAMPLES: dict[type[Body], dict[str, dict]] = {
    TranslateRequest: {
        "german": {"summary": "into German, by name", "value": {"text": SEED_TEXT, "language": "german"}},
        "codes": {
            "summary": "from English into German, by ISO 639-1 code",
            "value": {"text": SEED_TEXT, "language": "de", "source": "en"},
        },
        "html": {
            "summary": "HTML, its tags kept",
            "value": {"text": f"<p>{SEED_TEXT}</p><p><i>{NEXT_TEXT}</i></p>", "language": "de", "format": "html"},
        },
    },
    TranslateBatchRequest: {
        "german": {"summary": "two texts into German", "value": {"texts": [SEED_TEXT, NEXT_TEXT], "language": "german"}}
    },
    SummarizeRequest: {
        "lengths": {
            "summary": "a summary of 5 to 20 tokens",
            "value": {"text": OPENING, "min_length": 5, "max_length": 20},
        },
        "default": {"summary": "the configured lengths", "value": {"text": OPENING}},
    },
    SummarizeBatchRequest: {
        "lengths": {
            "summary": "two texts, each summarized in 5 to 20 tokens",
            "value": {"texts": [OPENING, f"{SEED_TEXT} {NEXT_TEXT}"], "min_length": 5, "max_length": 20},
        }
    },
    SummarizeTranslateRequest: {
        "german": {"summary": "summarized, then translated into German", "value": {"text": OPENING, "language": "de"}}
    },
    SummarizeTranslateBatchRequest: {
        "german": {
            "summary": "two texts, each summarized, then translated into German",
            "value": {"texts": [OPENING, f"{SEED_TEXT} {NEXT_TEXT}"], "language": "german"},
        }
    },
    DetectRequest: {"german": {"summary": "a German sentence", "value": {"text": GERMAN_TEXT}}},
}


class DocumentJob(BaseModel):
    """A file's translation job: POST /documents answers it, GET /documents/{id} tells how far it is."""

    id: str = Field(description="the job's id: GET /documents/{id}, and /documents/{id}/result once done")
    status: Literal["queued", "translating", "done", "failed"]
    progress: float = Field(description="the share of the file's text translated, 0 to 1")
    filename: str = Field(description="the file's name, as uploaded")
    result_filename: str = Field(description="the translated file's name: the language's code before the extension")
    media_type: str = Field(description="the file's (and its translation's) media type")
    language: str = Field(description="the target's ISO 639-1 code")
    source: str = Field(description="the file's language: as given, or detected on its text")
    characters: int = Field(description="the characters of text the file holds (what its key was charged)")
    error: Optional[str] = Field(description="why the job failed (status failed)")
    created: float = Field(description="when the file was taken, in seconds since the epoch")
    expires: Optional[float] = Field(description="when the result is removed, once the job has ended")
