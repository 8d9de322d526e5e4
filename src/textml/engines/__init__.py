"""Engines run a sequence-to-sequence checkpoint: a batch of texts in, a batch of texts out.

Decoding settings are given in Hugging Face terms (num_beams, min_length, max_length, length_penalty,
no_repeat_ngram_size, early_stopping), whatever the engine.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from textml.engines.families import PLAIN, Task


@dataclass
class Generated:
    texts: list[str]  # the decoded texts, in the order of the inputs
    tokens: int  # how many tokens the engine generated for them all


class Engine(Protocol):
    model: str
    # The most tokens an input may have, prefix and end token included: longer inputs are refused, never cut.
    input_window: int

    def task(self, name: str) -> Task:
        """The checkpoint's prefix, language tokens and decoding defaults for a task such as 'summarization' or
        'translation_en_to_de' (engines/families.py); TaskNotServed when the checkpoint can't do it."""

    def pairs(self) -> set[tuple[str, str]] | None:
        """The (source, target) language pairs the checkpoint knows; None: one, named where it is configured."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """How many tokens each text is as an input, end token included."""

    def generate(
        self, texts: list[str], max_batch_tokens: int | None = None, task: Task = PLAIN, **decoding
    ) -> Generated:
        """Decodes every text of the batch with the same settings and the `task`'s language tokens (the texts
        carry its prefix already); with `max_batch_tokens`, in pieces of similar lengths with at most that many
        input tokens each (CTranslate2)."""


# CTranslate2 first: int8 on CPU is about 3x transformers here (make bench), and float16 on GPU.
ENGINES = ("ctranslate2", "transformers")
DEFAULT_ENGINE = ENGINES[0]


@contextmanager
def load_errors(model: str, engine: str):
    """Whatever fails inside, raised as a ModelLoadError: one line naming `model` as the user did, why, and what
    to do."""
    from textml.engines.checkpoints import LOCAL_FIX, one_line
    from textml.exceptions import ModelLoadError

    try:
        yield
    except ModelLoadError as error:  # named by what it was loaded from: name it as the user did
        raise ModelLoadError(model, *error.args[1:]) from error
    except Exception as error:
        why = f"{engine} could not load it ({one_line(error)})"
        raise ModelLoadError(
            model, why, f"check it loads with transformers {_transformers_version()}, or {LOCAL_FIX}"
        ) from error


def prepare_engine(model: str, engine: str = DEFAULT_ENGINE, **options):
    """The slow, once-only part of loading, done ahead: importing the engine's libraries and, for CTranslate2,
    converting the checkpoint into the cache. load_engine then only opens what is ready. Raises
    ModelLoadError as load_engine does."""
    from textml.engines.checkpoints import checkpoint_source

    with load_errors(model, engine):
        source = checkpoint_source(model)
        if engine == "ctranslate2":
            from textml.engines.conversion import converted_model, default_compute_type

            converted_model(source, options.get("compute_type") or default_compute_type())
        from textml.engines import ctranslate2, transformers  # noqa: F401


def load_engine(model: str, engine: str = DEFAULT_ENGINE, threads: int = 1, **options) -> Engine:
    """Loads `model` (a Hugging Face id or a local directory) into the named engine.

    `options` go to the engine: compute_type for CTranslate2 (int8 on CPU, float16 on GPU by default). Raises
    ModelLoadError, one line naming the model, why and what to do, when the model can't be loaded.
    """
    from textml.engines.checkpoints import checkpoint_source, has_random_weights

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    with load_errors(model, engine):
        source = checkpoint_source(model)
        if has_random_weights(source):
            logging.getLogger("ray.serve").warning(
                "%s has RANDOM WEIGHTS (textml model random): its answers are meaningless", model
            )
        if engine == "ctranslate2":
            from textml.engines.ctranslate2 import CTranslate2Engine

            return CTranslate2Engine(source, threads=threads, **options)
        from textml.engines.transformers import TransformersEngine

        return TransformersEngine(source, threads=threads)


def _transformers_version() -> str:
    from importlib.metadata import version

    return version("transformers")


def known_pairs(model: str) -> set[tuple[str, str]] | None:
    """The language pairs `model` translates, read from its config and tokenizer without loading its weights
    (None: one pair, named where it is configured). Raises ModelLoadError as load_engine does, and for a
    checkpoint that does not translate at all (a summarizer)."""
    from transformers import AutoConfig, AutoTokenizer

    from textml.engines.checkpoints import checkpoint_source
    from textml.engines.families import family_of
    from textml.exceptions import ModelLoadError

    with load_errors(model, "transformers"):
        source = checkpoint_source(model)
        family = family_of(AutoConfig.from_pretrained(source), AutoTokenizer.from_pretrained(source))
    if not family.translates:
        raise ModelLoadError(
            model,
            f"it is a {family.name} checkpoint, which summarizes and does not translate",
            "name a translation model (OPUS-MT, NLLB, M2M100 or T5) for this pair",
        )
    return family.pairs()
