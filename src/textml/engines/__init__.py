"""Engines run a sequence-to-sequence checkpoint: a batch of texts in, a batch of texts out."""

from typing import Protocol

from textml.t5 import Task


class Engine(Protocol):
    model: str

    def task(self, name: str) -> Task:
        """The checkpoint's prefix and decoding defaults for a task such as 'summarization'."""

    def generate(self, texts: list[str], **decoding) -> list[str]:
        """Decodes every text; `decoding` holds generate() settings (num_beams, min/max_length, ...)."""


ENGINES = ("transformers",)


def load_engine(model: str, engine: str = "transformers") -> Engine:
    """Loads `model` (a Hugging Face id or a local directory) into the named engine."""
    if engine == "transformers":
        from textml.engines.transformers import TransformersEngine

        return TransformersEngine(model)
    raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
