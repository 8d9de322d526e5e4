"""What differs between the checkpoint families textml serves, as data on one class per family, registered by
the model_type in the checkpoint's config.json (as CTranslate2's converters are):

- how a task is asked for: T5 by a text prefix ("translate English to German: "), NLLB and M2M100 by language
  tokens (the source's first in the input, the target's first in the output), a multi-target OPUS-MT model by
  a `>>de<<` prefix, a single-pair OPUS-MT model or BART by nothing at all;
- which language pairs the checkpoint knows by itself (None: one pair, the one its `models` key names);
- whether it translates, summarizes, or both.
"""

import re
from dataclasses import dataclass, field
from typing import ClassVar

from textml.languages.codes import UnknownLanguage, default_script, language_code, language_name

SUMMARIZATION = "summarization"
_TRANSLATION = re.compile(r"^translation_([a-z]{2,3})_to_([a-z]{2,3})$")
# T5 was trained on inputs of 512 tokens: the input window of a checkpoint whose tokenizer names none.
MAX_INPUT_TOKENS = 512


def translation_task(source: str, target: str) -> str:
    """('en', 'de') -> 'translation_en_to_de', the task name T5 checkpoints use in task_specific_params."""
    return f"translation_{source}_to_{target}"


def task_pair(task: str) -> tuple[str, str] | None:
    """'translation_en_to_de' -> ('en', 'de'); None for a task that is not a translation."""
    match = _TRANSLATION.match(task)
    return (match[1], match[2]) if match else None


@dataclass(frozen=True)
class Task:
    prefix: str = ""  # put before each input text
    generate_kwargs: dict = field(default_factory=dict)  # the checkpoint's decoding defaults for the task
    source_token: str | None = None  # the input's first token: the source language (NLLB, M2M100)
    target_token: str | None = None  # the output's first token: the target language (NLLB, M2M100), <s> (BART)


# A decode that asks for no task: the health check's canary.
PLAIN = Task()


class TaskNotServed(ValueError):
    """A task the checkpoint can't do (a summarizer asked to translate, a pair it has no language for)."""


class Family:
    name: ClassVar[str]
    model_types: ClassVar[tuple[str, ...]]
    translates: ClassVar[bool] = True
    summarizes: ClassVar[bool] = False

    def __init__(self, config, tokenizer):
        self.config = config
        self.tokenizer = tokenizer

    def pairs(self) -> set[tuple[str, str]] | None:
        """The (source, target) pairs the checkpoint knows; None: one pair, named where it is configured."""
        return None

    def task(self, name: str) -> Task:
        pair = task_pair(name)
        if pair and self.translates:
            return self.translation(*pair)
        if name == SUMMARIZATION and self.summarizes:
            return self.summarization()
        raise TaskNotServed(f"a {self.name} checkpoint does not do {name}")

    def translation(self, source: str, target: str) -> Task:
        return Task()

    def summarization(self) -> Task:
        return self._configured(SUMMARIZATION, default_prefix="")

    def _configured(self, name: str, default_prefix: str) -> Task:
        """The task as the checkpoint's config.json sets it (`task_specific_params`: prefix and decoding)."""
        params = dict((getattr(self.config, "task_specific_params", None) or {}).get(name, {}))
        return Task(prefix=params.pop("prefix", default_prefix), generate_kwargs=params)


class T5(Family):
    """One model for every task, chosen by a text prefix; t5-small knows English to French, German, Romanian."""

    name, model_types, summarizes = "t5", ("t5", "mt5"), True
    # The pairs of a checkpoint whose config names no task: those T5 was trained on.
    TRAINED_PAIRS = {("en", "fr"), ("en", "de"), ("en", "ro")}

    def pairs(self) -> set[tuple[str, str]]:
        named = {task_pair(name) for name in (getattr(self.config, "task_specific_params", None) or {})}
        return (named - {None}) or self.TRAINED_PAIRS

    def translation(self, source: str, target: str) -> Task:
        default = f"translate {language_name(source)} to {language_name(target)}: "
        return self._configured(translation_task(source, target), default_prefix=default)

    def summarization(self) -> Task:
        return self._configured(SUMMARIZATION, default_prefix="summarize: ")


class Marian(Family):
    """OPUS-MT: one pair per checkpoint; a multi-target one takes the target as a `>>de<<` prefix."""

    name, model_types = "marian", ("marian",)

    def translation(self, source: str, target: str) -> Task:
        marker = f">>{target}<<"
        vocabulary = self.tokenizer.get_vocab() if hasattr(self.tokenizer, "get_vocab") else {}
        return Task(prefix=f"{marker} " if marker in vocabulary else "")


class LanguageTokens(Family):
    """NLLB-200 and M2M100: any direction between the languages whose tokens the tokenizer has."""

    name, model_types = "m2m_100", ("m2m_100",)
    # NLLB's tokens name a language and its script (deu_Latn, zho_Hant); M2M100's a language (__de__).
    TOKEN_PATTERNS = (re.compile(r"^([a-z]{3})_([A-Z][a-z]{3})$"), re.compile(r"^__([a-z]{2,3})__$"))

    def __init__(self, config, tokenizer):
        super().__init__(config, tokenizer)
        self.tokens = self._language_tokens(list(getattr(tokenizer, "all_special_tokens", [])))

    @classmethod
    def _language_tokens(cls, special_tokens: list[str]) -> dict[str, str]:
        """ISO code -> the tokenizer's token for it; of several scripts, the language's usual one."""
        found: dict[str, list[tuple[str, str]]] = {}
        for token in special_tokens:
            for pattern in cls.TOKEN_PATTERNS:
                match = pattern.match(token)
                if match:
                    try:
                        code = language_code(match[1])
                    except UnknownLanguage:
                        continue
                    script = match[2] if pattern.groups > 1 else ""
                    found.setdefault(code, []).append((script, token))
        return {
            code: next((t for s, t in scripts if s == default_script(code)), scripts[0][1])
            for code, scripts in found.items()
        }

    def pairs(self) -> set[tuple[str, str]]:
        return {(source, target) for source in self.tokens for target in self.tokens if source != target}

    def translation(self, source: str, target: str) -> Task:
        missing = [code for code in (source, target) if code not in self.tokens]
        if missing:
            raise TaskNotServed(f"the checkpoint has no language token for {', '.join(missing)}")
        return Task(source_token=self.tokens[source], target_token=self.tokens[target])


class Bart(Family):
    """BART summarizers (distilbart-cnn): no prefix, settings from the checkpoint's config; the output starts
    with <s> (the checkpoint's forced_bos_token_id, which CTranslate2 is given as a target prefix)."""

    name, model_types, translates, summarizes = "bart", ("bart",), False, True

    def summarization(self) -> Task:
        task = super().summarization()
        return Task(task.prefix, task.generate_kwargs, target_token=self.tokenizer.bos_token)


FAMILIES = {model_type: family for family in (T5, Marian, LanguageTokens, Bart) for model_type in family.model_types}
MODEL_TYPES = tuple(FAMILIES)


def family_of(config, tokenizer) -> Family:
    """The family object for a loaded checkpoint's config and tokenizer."""
    model_type = getattr(config, "model_type", None)
    if model_type not in FAMILIES:
        raise ValueError(f"model_type {model_type!r} is not one textml serves ({', '.join(MODEL_TYPES)})")
    return FAMILIES[model_type](config, tokenizer)
