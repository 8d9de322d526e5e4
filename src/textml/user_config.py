"""The user_config of the model deployments, validated so a typo or an unknown value is named, not ignored."""

from typing import Optional

from pydantic import BaseModel, ConfigDict, NonNegativeInt, PositiveInt, field_validator, model_validator

from textml.t5 import LANGUAGES

DEFAULT_MODEL = "t5-small"


class ModelSettings(BaseModel):
    """Which checkpoint to load, and decoding settings that override its own defaults."""

    model_config = ConfigDict(extra="forbid")

    model: str = DEFAULT_MODEL
    num_beams: Optional[PositiveInt] = None
    min_length: Optional[NonNegativeInt] = None
    max_length: Optional[PositiveInt] = None

    @model_validator(mode="after")
    def _lengths_in_order(self):
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} is above max_length {self.max_length}")
        return self

    def decoding_overrides(self) -> dict:
        fields = ("num_beams", "min_length", "max_length")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


class TranslatorSettings(ModelSettings):
    language: str = "french"

    @field_validator("language")
    @classmethod
    def _known_language(cls, language: str) -> str:
        if language.lower() not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
        return language.lower()


class SummarizerSettings(ModelSettings):
    pass
