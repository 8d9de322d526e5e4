"""The user_config of the model deployments, validated so a typo or an unknown value is named, not ignored."""

import re
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
from textml.engines.checkpoints import DEFAULT_MODEL
from textml.languages.catalog import ANY_PAIR
from textml.languages.codes import language_code, pair_key

_PAIR = re.compile(r"^([A-Za-z]{2,3})-([A-Za-z]{2,3})$")
# Models a Translator replica holds at most unless user_config says otherwise (least recently used unloaded).
MAX_LOADED_MODELS = 4


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
        """What every loaded engine depends on, whichever checkpoint: a change to any of these reloads them."""
        return self.engine, self.compute_type, self.threads

    def checkpoints(self) -> set[str]:
        """The checkpoints this configuration may load."""
        return {self.model}

    def loaded_models_bound(self) -> int:
        """How many checkpoints a replica holds at once."""
        return 1

    def engine_options(self) -> dict:
        return {"compute_type": self.compute_type} if self.compute_type else {}

    def decoding_overrides(self) -> dict:
        fields = ("num_beams", "min_length", "max_length")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


class TranslatorSettings(ModelSettings):
    # The target of a request that names none: a name ("french") or an ISO 639-1 code ("fr"), any case.
    language: str = "french"
    # Language pair "SRC-TGT" (ISO 639-1 codes) or "*" (every pair a multilingual checkpoint knows) -> checkpoint
    # (a Hugging Face id or a local directory). Unset: {"*": model}, t5-small's English to French, German and
    # Romanian. A pair named here wins over "*".
    models: Optional[dict[str, str]] = None
    # Checkpoints held in memory at once per replica; past it, the least recently used is unloaded.
    max_loaded_models: PositiveInt = MAX_LOADED_MODELS

    @field_validator("language")
    @classmethod
    def known_language(cls, language: str) -> str:
        """The language as given, lower case, once it is known to be one; a ValueError naming it otherwise."""
        language_code(language)
        return language.lower()

    @field_validator("models")
    @classmethod
    def pairs_and_checkpoints(cls, models: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
        """Keys as "src-tgt" ISO codes (or "*"), each checkpoint named; a ValueError naming the bad entry."""
        if models is None:
            return None
        if not models:
            raise ValueError("models is empty: name at least one pair (e.g. en-de) or *")
        normalized = {}
        for key, checkpoint in models.items():
            if not isinstance(checkpoint, str) or not checkpoint.strip():
                raise ValueError(f"models[{key!r}] names no checkpoint (a Hugging Face id or a local directory)")
            if key == ANY_PAIR:
                normalized[key] = checkpoint
                continue
            match = _PAIR.match(key)
            if not match:
                raise ValueError(f"models key {key!r} is neither a language pair SRC-TGT (e.g. en-de) nor *")
            source, target = language_code(match[1]), language_code(match[2])
            if source == target:
                raise ValueError(f"models key {key!r} translates a language into itself")
            normalized[pair_key(source, target)] = checkpoint
        return normalized

    @property
    def target(self) -> str:
        """The default target's ISO code."""
        return language_code(self.language)

    def served_models(self) -> dict[str, str]:
        """`models`, or the single `model` for every pair it knows."""
        return self.models or {ANY_PAIR: self.model}

    def checkpoints(self) -> set[str]:
        return set(self.served_models().values())

    def loaded_models_bound(self) -> int:
        return self.max_loaded_models


class SummarizerSettings(ModelSettings):
    pass
