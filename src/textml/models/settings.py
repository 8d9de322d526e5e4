"""The user_config of the model deployments, validated so a typo or an unknown value is named, not ignored."""

from typing import Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    field_validator,
    model_validator,
)

from textml.engines import DEFAULT_ENGINE, ENGINES
from textml.engines.t5 import DEFAULT_MODEL, LANGUAGES


def lengths_in_order(model: BaseModel) -> BaseModel:
    """A validator for models with optional min_length and max_length (user_config, API requests)."""
    if model.min_length is not None and model.max_length is not None and model.min_length > model.max_length:
        raise ValueError(f"min_length {model.min_length} is above max_length {model.max_length}")
    return model


class ModelSettings(BaseModel):
    """Which checkpoint to load, and decoding settings that override its own defaults."""

    model_config = ConfigDict(extra="forbid")

    model: str = DEFAULT_MODEL
    engine: Literal[ENGINES] = DEFAULT_ENGINE
    # CTranslate2's compute type; unset: int8 on CPU, float16 on GPU.
    compute_type: Optional[str] = None
    # CPU threads for the engine; unset: the CPUs the replica reserved (num_cpus, rounded up).
    threads: Optional[PositiveInt] = None
    # deploy/serve_config.yaml says why these.
    max_batch_size: PositiveInt = 64
    batch_wait_timeout_s: NonNegativeFloat = 0.005
    # CTranslate2 decodes a batch in pieces of similar lengths with at most this many input tokens each
    # (sorted by length: short sentences are not padded to long ones); unset: the batch as one. The
    # transformers engine (the reference) always decodes the batch as one, so an engine switch needs no edit.
    max_batch_tokens: Optional[PositiveInt] = None
    # At most this many of one request's jobs (a document's sentences, a batch route's texts) wait in the batch
    # queue at a time: a request arriving behind a long document waits for a batch this size, not a full one.
    max_jobs_per_request: PositiveInt = 4
    num_beams: Optional[PositiveInt] = None
    min_length: Optional[NonNegativeInt] = None
    max_length: Optional[PositiveInt] = None

    @model_validator(mode="after")
    def _compute_type_needs_ctranslate2(self):
        if self.compute_type and self.engine != "ctranslate2":
            raise ValueError(f"compute_type is a CTranslate2 setting; engine is {self.engine!r}")
        return self

    @model_validator(mode="after")
    def _lengths_in_order(self):
        return lengths_in_order(self)

    def engine_inputs(self) -> tuple:
        """What the loaded engine depends on: a change to any of these reloads it."""
        return self.model, self.engine, self.compute_type, self.threads

    def engine_options(self) -> dict:
        return {"compute_type": self.compute_type} if self.compute_type else {}

    def decoding_overrides(self) -> dict:
        fields = ("num_beams", "min_length", "max_length")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


class TranslatorSettings(ModelSettings):
    language: str = "french"

    @field_validator("language")
    @classmethod
    def known_language(cls, language: str) -> str:
        """The language's name as textml knows it (any case given), or a ValueError naming the choices."""
        if language.lower() not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
        return language.lower()


class SummarizerSettings(ModelSettings):
    pass
