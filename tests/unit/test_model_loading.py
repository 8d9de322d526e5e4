"""A model that can't be loaded fails at once, in one line that names the model, the cause and the fix: a
missing directory, a file, a checkpoint that is not T5 or lacks its weights, an unreachable hub, HF_HUB_OFFLINE
without a cached copy, a conversion that fails. Nothing here reaches the real hub."""

import shutil
import time
from pathlib import Path

import pytest
from transformers import BertConfig

from textml.engines import load_engine
from textml.engines.checkpoints import RANDOM_WEIGHTS_FIELD, has_random_weights
from textml.exceptions import ModelLoadError

NOT_CACHED = "textml-tests/never-downloaded"


def load_error(model: str, engine: str = "ctranslate2") -> str:
    """The message load_engine fails with: one line, naming the model, with what to do."""
    started = time.monotonic()
    with pytest.raises(ModelLoadError) as raised:
        load_engine(model, engine)
    message = str(raised.value)
    assert time.monotonic() - started < 10, "not at once"
    assert "\n" not in message and message.startswith(f"cannot load model {model!r}: "), message
    assert "--model DIR" in message and "textml model prepare" in message, message
    return message


@pytest.fixture
def copy_of(tiny_models, tmp_path):
    """A copy of the tiny checkpoint to break."""
    directory = tmp_path / "checkpoint"
    shutil.copytree(tiny_models[0], directory)
    return directory


def test_no_such_directory():
    assert "there is no directory /nonexistent/t5-small" in load_error("/nonexistent/t5-small")


def test_a_file_is_not_a_directory(tmp_path):
    archive = tmp_path / "t5-small.tar.gz"
    archive.write_bytes(b"not unpacked")
    assert "is a file, not a checkpoint directory" in load_error(str(archive))


def test_a_checkpoint_of_a_family_textml_does_not_serve(tmp_path):
    BertConfig().save_pretrained(tmp_path)
    assert (
        "is a 'bert' checkpoint (its config.json's model_type); textml serves t5, mt5, marian, m2m_100, bart"
        in load_error(str(tmp_path))
    )


def test_a_checkpoint_without_weights_or_tokenizer(copy_of):
    (copy_of / "spiece.model").unlink()
    for name in ("tokenizer.json",):
        (copy_of / name).unlink(missing_ok=True)
    assert "has no tokenizer (spiece.model or tokenizer.json or source.spm" in load_error(str(copy_of))
    (copy_of / "model.safetensors").unlink()
    assert "has no weights (model.safetensors or pytorch_model.bin)" in load_error(str(copy_of))


def test_an_unreachable_hub_fails_once_at_once(monkeypatch):
    """huggingface_hub alone would retry each file for about 25 s; one bounded request says it."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    message = load_error(NOT_CACHED)
    assert "the Hugging Face hub (http://127.0.0.1:9) is not reachable" in message, message
    assert f"and {NOT_CACHED} is not in the Hugging Face cache" in message and "the textml image" in message


def test_offline_without_a_cached_copy(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    message = load_error(NOT_CACHED)
    assert f"HF_HUB_OFFLINE is set and {NOT_CACHED} is not in the Hugging Face cache" in message, message


def test_weights_that_do_not_load(copy_of):
    """CTranslate2's converter and transformers both fail on them; each is named."""
    (copy_of / "model.safetensors").write_bytes(b"\0" * 64)
    assert "CTranslate2 could not convert it (" in load_error(str(copy_of))
    assert "transformers could not load it (" in load_error(str(copy_of), engine="transformers")


def test_random_weights_are_marked(copy_of):
    assert not has_random_weights(copy_of)
    config = copy_of / "config.json"
    config.write_text(config.read_text().replace("{", f'{{"{RANDOM_WEIGHTS_FIELD}": true,', 1))
    assert has_random_weights(copy_of) and not has_random_weights(Path("/nonexistent"))
