"""Which checkpoint translates which language pair, from the Translator's `models`, and how a pair no model
serves directly is reached through English (as Argos Translate does).

The catalog is built when the configuration is applied, from what each checkpoint knows (its config and
tokenizer, not its weights): a pair named in `models` wins over "*".
"""

from dataclasses import dataclass
from typing import Callable

from textml.exceptions import NotServed
from textml.languages.codes import PIVOT, language_name, pair_key

# A `models` key: every pair a multilingual checkpoint knows.
ANY_PAIR = "*"
# A refusal lists at most this many of the pairs served (a multilingual checkpoint serves tens of thousands).
LISTED_PAIRS = 20


@dataclass(frozen=True)
class Step:
    """One translation by one checkpoint."""

    source: str
    target: str
    checkpoint: str


@dataclass(frozen=True)
class Catalog:
    direct: dict[tuple[str, str], str]  # (source, target) -> the checkpoint that translates it

    @classmethod
    def build(cls, models: dict[str, str], pairs_of: Callable[[str], set[tuple[str, str]] | None]) -> "Catalog":
        """`models` as validated by TranslatorSettings; `pairs_of(checkpoint)` the pairs a checkpoint knows
        (None: it is one pair, the key's), which also checks that each one can be loaded. Raises NotServed for
        a "*" checkpoint that is one pair, and a pair its checkpoint does not know."""
        known = {checkpoint: pairs_of(checkpoint) for checkpoint in set(models.values())}
        direct: dict[tuple[str, str], str] = {}
        if ANY_PAIR in models:
            checkpoint = models[ANY_PAIR]
            if not known[checkpoint]:
                raise NotServed(f"models['*'] is {checkpoint}, which translates one pair only: name it as its key")
            direct.update(dict.fromkeys(known[checkpoint], checkpoint))
        for key, checkpoint in models.items():
            if key == ANY_PAIR:
                continue
            pair = tuple(key.split("-"))
            if known[checkpoint] is not None and pair not in known[checkpoint]:
                raise NotServed(f"models[{key!r}] is {checkpoint}, which does not translate {key}")
            direct[pair] = checkpoint
        return cls(direct)

    def route(self, source: str, target: str) -> tuple[Step, ...]:
        """The steps that translate `source` into `target`: one model, or two through English; NotServed,
        naming the pair and listing those served, when there is no way."""
        if (source, target) in self.direct:
            return (Step(source, target, self.direct[source, target]),)
        first, second = self.direct.get((source, PIVOT)), self.direct.get((PIVOT, target))
        if first and second:
            return Step(source, PIVOT, first), Step(PIVOT, target, second)
        raise NotServed(f"no model translates {pair_key(source, target)} ({self._described(source, target)}); {self}")

    def sources(self) -> list[str]:
        return sorted({source for source, _ in self.direct})

    def targets(self, source: str) -> list[str]:
        """Every target `source` reaches, directly or through English."""
        direct = {target for s, target in self.direct if s == source}
        through_pivot = {target for s, target in self.direct if s == PIVOT} if PIVOT in direct else set()
        return sorted((direct | through_pivot) - {source})

    def languages(self) -> list[dict]:
        """LibreTranslate's /languages: each source with its name and the targets it reaches."""
        codes = sorted({code for pair in self.direct for code in pair})
        return [{"code": code, "name": language_name(code), "targets": self.targets(code)} for code in codes]

    def checkpoints(self) -> set[str]:
        return set(self.direct.values())

    def __str__(self) -> str:
        pairs = sorted(pair_key(*pair) for pair in self.direct)
        listed = ", ".join(pairs[:LISTED_PAIRS])
        more = (
            f" and {len(pairs) - LISTED_PAIRS:,} more (GET /languages lists them)" if len(pairs) > LISTED_PAIRS else ""
        )
        return f"the pairs served: {listed}{more}"

    @staticmethod
    def _described(source: str, target: str) -> str:
        return f"{language_name(source)} to {language_name(target)}"
