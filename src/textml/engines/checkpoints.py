"""Where a model's files come from, checked before an engine loads them, so that every way loading fails is
one line (ModelLoadError): which model, why, and what to do.

A model is a local checkpoint directory or a Hugging Face id. A directory is checked for what a checkpoint of
a family textml serves holds (engines/families.py). An id is looked up on the hub with one request bounded by
HF_HUB_ETAG_TIMEOUT (10 s): without it, an unreachable hub costs about 25 s of retries per file and an engine
reads several files, minutes in all, before the error says anything. When the hub can't be reached, a copy in
the Hugging Face cache is used.
"""

import json
import logging
import os
from pathlib import Path

from textml.exceptions import ModelLoadError

logger = logging.getLogger("ray.serve")

# The checkpoint textml serves unless user_config names another (the image bakes it in).
DEFAULT_MODEL = "t5-small"
WEIGHT_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
# T5's, NLLB's fast one, OPUS-MT's, M2M100's and NLLB's sentencepiece ones, BART's.
TOKENIZER_FILES = ("spiece.model", "tokenizer.json", "source.spm", "sentencepiece.bpe.model", "vocab.json")
# The config.json field `textml model random` sets: the checkpoint's answers are meaningless.
RANDOM_WEIGHTS_FIELD = "textml_random_weights"

LOCAL_FIX = (
    "serve a local directory: `make run MODEL=DIR` or `textml up --model DIR`; `textml model prepare SOURCE DIR` "
    "makes one from a checkpoint you have, `textml model random DIR` one with random weights "
    "(docs/operations.md#offline-without-the-model-hub)"
)
HUB_FIX = f"{LOCAL_FIX}; or deploy the textml image (t5-small inside)"


def one_line(error: BaseException) -> str:
    """An exception as a short line: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


def _offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE), read when asked: huggingface_hub reads it once, at import."""
    return any(
        os.environ.get(name, "").upper() in ("1", "ON", "YES", "TRUE")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def looks_like_a_path(model: str) -> bool:
    """A directory rather than a Hugging Face id ("t5-small", "google-t5/t5-small")."""
    return model.startswith(("/", "./", "../", "~")) or Path(model).exists()


def directory_problem(directory: Path) -> str | None:
    """Why `directory` is not a checkpoint textml can load, or None."""
    from textml.engines.families import MODEL_TYPES

    if not directory.exists():
        return f"there is no directory {directory}"
    if not directory.is_dir():
        return f"{directory} is a file, not a checkpoint directory (an archive? `textml model prepare` unpacks it)"
    config_file = directory / "config.json"
    if not config_file.is_file():
        return f"{directory} has no config.json: it is not a Hugging Face checkpoint"
    try:
        model_type = json.loads(config_file.read_text()).get("model_type")
    except (ValueError, AttributeError) as error:
        return f"{config_file} is not a JSON object ({error})"
    if model_type not in MODEL_TYPES:
        return (
            f"{directory} is a {model_type!r} checkpoint (its config.json's model_type); textml serves "
            f"{', '.join(MODEL_TYPES)}"
        )
    if not any((directory / name).is_file() for name in WEIGHT_FILES):
        return f"{directory} has no weights ({' or '.join(WEIGHT_FILES[:2])})"
    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        return f"{directory} has no tokenizer ({' or '.join(TOKENIZER_FILES)})"
    return None


def has_random_weights(directory: str | Path) -> bool:
    """Whether `textml model random` made this checkpoint (its answers are then meaningless)."""
    try:
        return bool(json.loads((Path(directory) / "config.json").read_text()).get(RANDOM_WEIGHTS_FIELD))
    except (OSError, ValueError, AttributeError):
        return False


def _cached_snapshot(model: str) -> str | None:
    """The directory of `model`'s copy in the Hugging Face cache, or None."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(model, local_files_only=True)
    except (LocalEntryNotFoundError, ValueError):  # not cached; an id the hub would refuse
        return None


def _hub_problem(model: str) -> str | None:
    """Why the hub can't give `model`, from one bounded request for its config.json; None when it can."""
    from huggingface_hub import constants, hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session

    endpoint = os.environ.get("HF_ENDPOINT", constants.ENDPOINT).rstrip("/")
    timeout = float(os.environ.get("HF_HUB_ETAG_TIMEOUT") or constants.DEFAULT_ETAG_TIMEOUT)
    try:
        url = hf_hub_url(model, "config.json", endpoint=endpoint)
        response = get_session().head(url, headers=build_hf_headers(), timeout=timeout, follow_redirects=True)
    except ValueError as error:  # not a valid id
        return f"it is neither a directory nor a Hugging Face id ({error})"
    except Exception as error:  # refused, no such host, timed out: the hub is out of reach
        cause = error.__cause__ or error
        return f"the Hugging Face hub ({endpoint}) is not reachable ({str(cause) or type(cause).__name__})"
    if response.status_code in (401, 403, 404):
        return (
            f"the Hugging Face hub has no model {model} this machine may read (HTTP {response.status_code}: a "
            "misspelt id, or a gated or private one, which needs HF_TOKEN)"
        )
    if response.status_code >= 400:
        return f"the Hugging Face hub answered HTTP {response.status_code} for {model}"
    return None


def checkpoint_source(model: str) -> str:
    """What to load `model` from: its directory, checked; a hub id the hub answers for; or the id's copy in the
    Hugging Face cache when the hub is out of reach. Raises ModelLoadError, at once, when none will do."""
    if looks_like_a_path(model):
        directory = Path(model).expanduser()
        problem = directory_problem(directory)
        if problem:
            raise ModelLoadError(model, problem, LOCAL_FIX)
        return str(directory)
    cached = _cached_snapshot(model)
    if _offline():
        if cached:
            return model  # transformers reads the cache itself when offline (the image: converted under this id)
        raise ModelLoadError(
            model,
            f"HF_HUB_OFFLINE is set and {model} is not in the Hugging Face cache",
            f"{HUB_FIX}; or unset HF_HUB_OFFLINE where the hub is reachable",
        )
    problem = _hub_problem(model)
    if problem is None:
        return model
    if cached:
        logger.warning("%s; loading %s from the Hugging Face cache (%s)", problem, model, cached)
        return cached
    # "models/t5-small" may be meant as a directory: relative to where the replicas run, there is none.
    no_directory = f" (nor a directory {Path(model).resolve()})" if "/" in model else ""
    raise ModelLoadError(model, f"{problem}, and {model} is not in the Hugging Face cache{no_directory}", HUB_FIX)
