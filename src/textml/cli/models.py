"""`textml model prepare` and `textml model random`: a local model directory to serve where the model hub
can't be reached, made from what the user has (a checkpoint archive, a directory from another machine) or,
to try textml with no weights at all, from nothing: a known checkpoint's shape (t5-small's, opus-mt-en-de's,
nllb-200-distilled-600M's, m2m100_418M's, distilbart-cnn-12-6's) with random weights, marked as such.

Either way the directory is checked as the replicas will load it and converted to CTranslate2 ahead of time, so
`make run MODEL=DIR` starts without converting.
"""

import os
import re
import shutil
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from textml.cli.local import ServiceError
from textml.engines.checkpoints import RANDOM_WEIGHTS_FIELD, directory_problem, one_line

# Random weights never choose to stop: answers run to max_length. Capped, so trying it out stays quick.
RANDOM_ANSWER_TOKENS = 40
RANDOM_README = """\
RANDOM WEIGHTS: this checkpoint was made by `textml model random`. It has {shape} architecture, tokenizer
shape and generation settings (answers capped at {tokens} tokens), and random weights: its answers are
meaningless. textml marks them: a warning in the replicas' log, the `textml run` output, and the header
`X-Textml-Model: random-weights` on every text_ml_app response.

For real answers, serve {trained}: `textml model prepare SOURCE DIR` (docs/operations.md).
"""
_PAIR = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")


def _new_directory(directory: str) -> Path:
    target = Path(directory).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ServiceError(f"{target} already exists: name a new directory")
    return target


def _checkpoint_root(unpacked: Path) -> Path:
    """The folder holding config.json: the top, or one folder down (archives usually hold one folder)."""
    for candidate in (unpacked, *sorted(p for p in unpacked.iterdir() if p.is_dir())):
        if (candidate / "config.json").is_file():
            return candidate
    return unpacked


def _unpack(source: Path, into: Path) -> Path:
    """The checkpoint folder of `source` (an archive or a directory), copied under `into`."""
    if source.is_dir():
        return Path(shutil.copytree(source, into / source.name))
    if tarfile.is_tarfile(source):
        with tarfile.open(source) as archive:
            archive.extractall(into, filter="data")  # no paths outside `into`, no devices
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            archive.extractall(into)
    else:
        raise ServiceError(f"{source} is neither a directory nor a .tar.gz, .tgz, .tar or .zip archive")
    return _checkpoint_root(into)


def _check_loads(checkpoint: Path):
    """Loaded as the replicas load it, with the pinned transformers: tokenizer, config and weights."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    problem = directory_problem(checkpoint)
    if problem:
        raise ServiceError(problem)
    try:
        AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
        AutoModelForSeq2SeqLM.from_pretrained(checkpoint, local_files_only=True)
    except Exception as error:
        raise ServiceError(f"{checkpoint} does not load with this transformers: {one_line(error)}") from None


def _convert(directory: Path, console: Console):
    from textml.engines.conversion import converted_model, default_compute_type

    started = time.monotonic()
    compute_type = default_compute_type()
    try:
        converted = converted_model(str(directory.resolve()), compute_type)
    except Exception as error:
        raise ServiceError(f"CTranslate2 could not convert {directory}: {one_line(error)}") from None
    console.print(f"converted it to CTranslate2 {compute_type} in {time.monotonic() - started:.0f} s ({converted})")


def _into_place(built: Path, target: Path):
    """`built` moved to `target`, readable as any new file is (temporary folders and files are private)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in (built, *built.rglob("*")):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)
    if target.exists():
        target.rmdir()  # empty: checked
    shutil.move(built, target)


def prepare(source: str, directory: str, console: Console) -> int:
    target = _new_directory(directory)
    source_path = Path(source).expanduser()
    if not source_path.exists():
        raise ServiceError(f"no file or directory {source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as scratch:
        checkpoint = _unpack(source_path, Path(scratch))
        _check_loads(checkpoint)
        console.print(f"checked {source}: a T5 checkpoint that transformers loads")
        _into_place(checkpoint, target)
    _convert(target, console)
    console.print(f"ready: make run MODEL={directory}  (or: textml up --model {directory})")
    return 0


def _random_t5(directory: Path, pair: tuple[str, str]) -> Path:
    from textml.tools.random_t5 import T5_SMALL_SHAPE, T5_SMALL_TASKS, build_random_t5, pseudo_words

    tasks = {
        name: {**task, "max_length": RANDOM_ANSWER_TOKENS, "min_length": min(task.get("min_length", 0), 10)}
        for name, task in T5_SMALL_TASKS.items()
    }
    return build_random_t5(
        directory,
        0,
        pseudo_words(120_000),
        tokenizer_vocab=32_000,
        extra_ids=100,
        task_specific_params=tasks,
        **T5_SMALL_SHAPE,
        **{RANDOM_WEIGHTS_FIELD: True},
    )


def _random_marian(directory: Path, pair: tuple[str, str]) -> Path:
    from textml.tools.random_marian import build_opus_mt_shaped

    return build_opus_mt_shaped(directory, 0, pair, max_length=RANDOM_ANSWER_TOKENS)


def _random_nllb(directory: Path, pair: tuple[str, str]) -> Path:
    from textml.tools.random_nllb import build_nllb_600m_shaped

    return build_nllb_600m_shaped(directory, 0, max_length=RANDOM_ANSWER_TOKENS)


def _random_m2m100(directory: Path, pair: tuple[str, str]) -> Path:
    from textml.tools.random_m2m100 import build_m2m100_418m_shaped

    return build_m2m100_418m_shaped(directory, 0, max_length=RANDOM_ANSWER_TOKENS)


def _random_bart(directory: Path, pair: tuple[str, str]) -> Path:
    from textml.tools.random_bart import DISTILBART_CNN_SUMMARIZATION, build_distilbart_cnn_shaped

    shortest = min(DISTILBART_CNN_SUMMARIZATION["min_length"], 10)
    return build_distilbart_cnn_shaped(directory, 0, max_length=RANDOM_ANSWER_TOKENS, min_length=shortest)


@dataclass(frozen=True)
class RandomFamily:
    shape: str  # whose architecture, tokenizer shape and generation settings it gets
    takes: str  # how long building it takes (measured on a 2-core machine), converting aside
    trained: str  # what to serve for real answers
    build: Callable[[Path, tuple[str, str]], Path]  # (directory, language pair) -> directory
    one_pair: bool = False  # a checkpoint per language pair: --pair names it
    # How to serve it: a model for both deployments, a Translator `models` entry, or Summarizer's model.
    serves: str = "both"

    def serve(self, directory: str, pair: tuple[str, str]) -> str:
        """What to run or configure to serve the checkpoint in `directory`."""
        if self.serves == "both":
            return f"make run MODEL={directory}  (or: textml up --model {directory})"
        if self.serves == "summarizer":
            return f"set Summarizer's user_config `model: {directory}` in deploy/serve_config.yaml"
        key = "-".join(pair) if self.one_pair else '"*"'
        return f"add to Translator's user_config in deploy/serve_config.yaml: `models: {{{key}: {directory}}}`"


RANDOM_FAMILIES = {
    "t5": RandomFamily("t5-small's", "about 10 s", "a trained T5 checkpoint", _random_t5),
    "marian": RandomFamily(
        "Helsinki-NLP/opus-mt-en-de's",
        "about 15 s, 300 MB",
        "an OPUS-MT checkpoint (Helsinki-NLP/opus-mt-*)",
        _random_marian,
        one_pair=True,
        serves="translator",
    ),
    "nllb": RandomFamily(
        "facebook/nllb-200-distilled-600M's",
        "about 40 s, 2.4 GB",
        "an NLLB-200 checkpoint (facebook/nllb-200-*)",
        _random_nllb,
        serves="translator",
    ),
    "m2m100": RandomFamily(
        "facebook/m2m100_418M's",
        "about 20 s, 1.9 GB",
        "an M2M100 checkpoint (facebook/m2m100_*)",
        _random_m2m100,
        serves="translator",
    ),
    "bart": RandomFamily(
        "sshleifer/distilbart-cnn-12-6's",
        "about 20 s, 1.2 GB",
        "a BART summarizer (sshleifer/distilbart-cnn-*, facebook/bart-large-cnn)",
        _random_bart,
        serves="summarizer",
    ),
}
RANDOM_FAMILY_HELP = "; ".join(f"{name}: {family.shape} shape" for name, family in RANDOM_FAMILIES.items())


def add_random_arguments(parser):
    """`textml model random`'s options: which family's shape to build, and the pair an OPUS-MT model names."""
    parser.add_argument(
        "--family",
        choices=tuple(RANDOM_FAMILIES),
        default="t5",
        help=f"whose shape (default t5): {RANDOM_FAMILY_HELP}",
    )
    parser.add_argument(
        "--pair",
        metavar="SRC-TGT",
        help="for --family marian: the language pair its tokenizer names and learns pseudo words of (default en-de)",
    )


def language_pair(pair: str | None, family: str) -> tuple[str, str]:
    """'en-de' -> ('en', 'de'); only a family of one pair per checkpoint (OPUS-MT) takes one."""
    if pair is None:
        return ("en", "de")
    if not RANDOM_FAMILIES[family].one_pair:
        raise ServiceError(f"--pair is for --family marian (an OPUS-MT model knows one pair), not {family}")
    match = _PAIR.match(pair)
    if not match:
        raise ServiceError(f"--pair {pair}: give two language codes, SOURCE-TARGET, e.g. en-de")
    return match[1], match[2]


def random(directory: str, console: Console, family: str = "t5", pair: str | None = None) -> int:
    """Builds `family`'s shape with random weights into `directory` (new), marked as such, and converts it."""
    if family not in RANDOM_FAMILIES:
        raise ServiceError(f"no random model of family {family!r}: {', '.join(RANDOM_FAMILIES)}")
    chosen, languages = RANDOM_FAMILIES[family], language_pair(pair, family)
    target = _new_directory(directory)
    started = time.monotonic()
    console.print(f"building {chosen.shape} shape with RANDOM weights ({chosen.takes})")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as scratch:
        built = chosen.build(Path(scratch) / "model", languages)
        readme = RANDOM_README.format(shape=chosen.shape, tokens=RANDOM_ANSWER_TOKENS, trained=chosen.trained)
        (built / "README.txt").write_text(readme)
        _into_place(built, target)
    console.print(
        f"built {directory} in {time.monotonic() - started:.0f} s: RANDOM WEIGHTS, its answers are meaningless"
    )
    _convert(target, console)
    console.print(f"ready: {chosen.serve(directory, languages)}")
    return 0
