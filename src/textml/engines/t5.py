"""What a T5 checkpoint needs to be told: the task prefixes and per-task decoding settings.

T5 is one model for every task; the task is chosen by a text prefix ("translate English to German: ").
A checkpoint's config.json carries `task_specific_params` (t5-small: beam search 4 and lengths per task);
those are the defaults, so outputs match what the model gives users elsewhere.
"""

from dataclasses import dataclass, field

# The checkpoint textml serves unless user_config names another (the image bakes it in).
DEFAULT_MODEL = "t5-small"
LANGUAGES = {"french": ("fr", "French"), "german": ("de", "German"), "romanian": ("ro", "Romanian")}
SUMMARIZATION = "summarization"
# T5 was trained on inputs of 512 tokens: the input window of a checkpoint whose tokenizer names none.
MAX_INPUT_TOKENS = 512


def translation_task(language: str) -> str:
    """'german' -> 'translation_en_to_de', the key t5 checkpoints use in task_specific_params."""
    return f"translation_en_to_{LANGUAGES[language][0]}"


# For checkpoints whose config names no task: the prefixes T5 was trained with.
DEFAULT_PREFIXES = {
    SUMMARIZATION: "summarize: ",
    **{translation_task(lang): f"translate English to {name}: " for lang, (_, name) in LANGUAGES.items()},
}


@dataclass(frozen=True)
class Task:
    prefix: str
    generate_kwargs: dict = field(default_factory=dict)


def task_from_config(task_specific_params: dict | None, task: str) -> Task:
    params = dict((task_specific_params or {}).get(task, {}))
    prefix = params.pop("prefix", DEFAULT_PREFIXES[task])
    return Task(prefix=prefix, generate_kwargs=params)
