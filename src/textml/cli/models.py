"""`textml model prepare` and `textml model random`: a local model directory to serve where the model hub
can't be reached, made from what the user has (a checkpoint archive, a directory from another machine) or,
to try textml with no weights at all, from nothing: t5-small's shape with random weights, marked as such.

Either way the directory is checked as the replicas will load it and converted to CTranslate2 ahead of time, so
`make run MODEL=DIR` starts without converting.
"""

import os
import shutil
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from rich.console import Console

from textml.cli.local import ServiceError
from textml.engines.checkpoints import RANDOM_WEIGHTS_FIELD, directory_problem, one_line

# Random weights never choose to stop: answers run to max_length. Capped, so trying it out stays quick.
RANDOM_ANSWER_TOKENS = 40
RANDOM_README = """\
RANDOM WEIGHTS: this checkpoint was made by `textml model random`. It has t5-small's architecture, tokenizer
shape and generation settings (answers capped at {tokens} tokens), and random weights: its answers are
meaningless. textml marks them: a warning in the replicas' log, the `textml run` output, and the header
`X-Textml-Model: random-weights` on every text_ml_app response.

For real answers, serve a trained T5 checkpoint: `textml model prepare SOURCE DIR` (docs/operations.md).
"""


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


def random(directory: str, console: Console) -> int:
    from textml.tools.random_t5 import T5_SMALL_SHAPE, T5_SMALL_TASKS, build_random_t5, pseudo_words

    target = _new_directory(directory)
    started = time.monotonic()
    console.print("building t5-small's shape with RANDOM weights (about a minute)")
    tasks = {
        name: {**task, "max_length": RANDOM_ANSWER_TOKENS, "min_length": min(task.get("min_length", 0), 10)}
        for name, task in T5_SMALL_TASKS.items()
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as scratch:
        built = build_random_t5(
            Path(scratch) / "model",
            0,
            pseudo_words(120_000),
            tokenizer_vocab=32_000,
            extra_ids=100,
            task_specific_params=tasks,
            **T5_SMALL_SHAPE,
            **{RANDOM_WEIGHTS_FIELD: True},
        )
        (built / "README.txt").write_text(RANDOM_README.format(tokens=RANDOM_ANSWER_TOKENS))
        _into_place(built, target)
    console.print(
        f"built {directory} in {time.monotonic() - started:.0f} s: RANDOM WEIGHTS, its answers are meaningless"
    )
    _convert(target, console)
    console.print(f"ready: make run MODEL={directory}  (or: textml up --model {directory})")
    return 0
