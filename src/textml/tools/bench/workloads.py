"""What the benchmark sends, and how every system decodes it. The model has t5-small's exact architecture and
generation config with random weights, which never choose to stop: output lengths are pinned
(min_length == max_length; Hugging Face's lengths count the decoder start token)."""

from dataclasses import dataclass, field
from pathlib import Path

from textml.engines.families import SUMMARIZATION

INPUT_TOKENS = 40
TRANSLATION = "translation_en_to_fr"
# t5-small's prompt for TRANSLATION: prompt lengths are counted with it.
PROMPT_PREFIX = "translate English to French: "


def pinned(new_tokens: int) -> dict:
    return {"min_length": new_tokens + 1, "max_length": new_tokens + 1}


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    # (task, decoding beyond the checkpoint's own settings for the task), in the order a request needs them.
    decodes: tuple = ()
    # user_config for the model deployments, so the service decodes as `decodes` say.
    translator: dict = field(default_factory=dict)
    summarizer: dict = field(default_factory=dict)


# The throughput workload: translate 40-token prompts to exactly 32 tokens, greedy.
GREEDY = Workload(
    "greedy",
    "40 tokens in, 32 out, greedy",
    decodes=((TRANSLATION, {"num_beams": 1, **pinned(32)}),),
    translator={"num_beams": 1, **pinned(32)},
    summarizer={"num_beams": 1, **pinned(32)},
)
# The seed's own path: summarize with t5-small's summarization settings (beam 4, length penalty, no repeated
# trigrams; 14 new tokens, the committed max_length 15), then translate the summary (beam 4, 31 new tokens).
SEED = Workload(
    "seed",
    "summarize (beam 4, 14 tokens) then translate (beam 4, 31 tokens)",
    decodes=((SUMMARIZATION, pinned(14)), (TRANSLATION, pinned(31))),
    translator=pinned(31),
    summarizer=pinned(14),
)
# Documents: real prose, every sentence translated with t5-small's translation settings (beam 4), each to
# 31 tokens.
DOCUMENTS = Workload(
    "documents",
    "license texts sentence by sentence, beam 4, 31 tokens each",
    decodes=((TRANSLATION, pinned(31)),),
    translator=pinned(31),
    summarizer=pinned(14),
)
# Short requests, as a translation API mostly gets (a chat message, a UI string): one sentence of 8 words,
# greedy, 16 new tokens.
SHORT = Workload(
    "short",
    "one sentence of 8 words, 16 tokens out, greedy",
    decodes=((TRANSLATION, {"num_beams": 1, **pinned(16)}),),
    translator={"num_beams": 1, **pinned(16)},
    summarizer={"num_beams": 1, **pinned(16)},
)
WORKLOADS = {w.name: w for w in (GREEDY, SEED, DOCUMENTS, SHORT)}


def english_texts(tokenizer, count: int) -> list[str]:
    """Texts that make translation prompts of INPUT_TOKENS tokens (prefix and end token included)."""
    from textml.tools.random_t5 import pseudo_words

    words, texts = pseudo_words(50_000, seed=1), []
    for start in range(0, count * 60, 60):
        chosen = words[start : start + 60]
        while len(tokenizer(PROMPT_PREFIX + " ".join(chosen)).input_ids) > INPUT_TOKENS:
            chosen.pop()
        texts.append(" ".join(chosen))
    return texts


LICENSES = Path("/usr/share/common-licenses")
# Documents of varied lengths, chosen by name so every run sends the same ones.
DOCUMENT_NAMES = ("BSD", "Artistic", "Apache-2.0", "MPL-2.0", "GPL-2", "LGPL-2.1", "GPL-3")


def documents() -> list[str]:
    """The license texts this machine has of DOCUMENT_NAMES, in that order."""
    return [(LICENSES / name).read_text() for name in DOCUMENT_NAMES if (LICENSES / name).is_file()]


def short_sentences(tokenizer, count: int, words_each: int = 8) -> list[str]:
    """`count` sentences of `words_each` words of English prose (the license texts; pseudo-words without them),
    fewer words where a prompt would pass INPUT_TOKENS (a small test model's tokenizer cuts words finely)."""
    from textml.tools.random_text import pseudo_words

    words = [w.strip(".,;:()\"'") for w in " ".join(documents()).split()]
    words = [w for w in words if w.isalpha()] or pseudo_words(count * words_each, seed=2)
    sentences = []
    for start in range(0, count * words_each, words_each):
        chosen = words[start : start + words_each]
        while len(chosen) > 1 and len(tokenizer(PROMPT_PREFIX + " ".join(chosen) + ".").input_ids) > INPUT_TOKENS:
            chosen.pop()
        sentences.append(" ".join(chosen).capitalize() + ".")
    return sentences
