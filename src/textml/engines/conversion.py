"""Converting a Hugging Face checkpoint to CTranslate2 once, and reusing it from a disk cache.

python -m textml.engines.conversion t5-small      # e.g. while building the image
"""

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import ctranslate2
from ctranslate2.converters import TransformersConverter
from filelock import FileLock
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from textml.engines.checkpoints import DEFAULT_MODEL

CACHE = Path(os.environ.get("TEXTML_CACHE", Path.home() / ".cache" / "textml")) / "ctranslate2"


def default_compute_type() -> str:
    """float16 on a GPU, int8 on CPU: CTranslate2's fastest types there."""
    return "float16" if ctranslate2.get_cuda_device_count() > 0 else "int8"


def _fingerprint(model: str) -> list:
    """What identifies the weights: the directory's files (name, size, mtime), or the hub id."""
    directory = Path(model)
    if not directory.is_dir():
        return [model]
    return [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in sorted(directory.iterdir()) if f.is_file()]


def cache_path(model: str, quantization: str) -> Path:
    key = json.dumps(
        [
            str(Path(model).resolve()) if Path(model).is_dir() else model,
            _fingerprint(model),
            quantization,
            ctranslate2.__version__,
        ]
    )
    name = Path(model.rstrip("/")).name
    return CACHE / f"{name}-{quantization}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def converted_model(model: str, quantization: str = "int8") -> Path:
    """The CTranslate2 model directory for `model`, converting it first if the cache lacks it."""
    target = cache_path(model, quantization)
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Replicas starting together (Translator and Summarizer) convert once; the others wait.
    with FileLock(f"{target}.lock"):
        if (target / "model.bin").is_file():
            return target
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as progress:
            step = progress.add_task(f"converting {model} to CTranslate2 ({quantization})", total=None)
            TransformersConverter(model).convert(str(partial), quantization=quantization, force=True)
            progress.update(step, description=f"converted {model} to CTranslate2 ({quantization})")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target


if __name__ == "__main__":
    for name in sys.argv[1:] or [DEFAULT_MODEL]:
        print(converted_model(name, default_compute_type()))
