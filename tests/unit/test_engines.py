"""The engines, in process: CTranslate2 gives transformers' tokens, and converts a checkpoint only once."""

import random

import pytest
from transformers import GenerationConfig

from helpers.tiny_models import build_tiny
from helpers.tiny_t5 import WORDS
from textml.engines import load_engine
from textml.engines.conversion import cache_path, converted_model
from textml.engines.ctranslate2 import ctranslate2_options


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(7)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 40))) for _ in range(24)]


@pytest.mark.parametrize(
    "decoding",
    [
        {"num_beams": 1, "min_length": 16, "max_length": 16},
        {"num_beams": 1, "max_length": 16, "no_repeat_ngram_size": 3},
    ],
    ids=["pinned-length", "no-repeat"],
)
def test_greedy_parity(tiny_models, texts, decoding):
    """Same tokens, batch of 24, for outputs of up to 16 tokens. (Past about 20 tokens, float32 logits that
    the two engines compute with different kernels were seen to pick different tokens on random weights.)"""
    reference = load_engine(tiny_models[0], "transformers")
    fast = load_engine(tiny_models[0], "ctranslate2", compute_type="float32")
    for task_name in ("summarization", "translation_en_to_de"):
        prompts = [reference.task(task_name).prefix + text for text in texts]
        expected = reference.generate(prompts, **decoding).texts
        assert fast.generate(prompts, **decoding).texts == expected
        assert len(set(expected)) > 1, "outputs must depend on the input for parity to mean anything"


def test_conversion_is_cached(tiny_models):
    first = converted_model(tiny_models[1], "int8")
    written = (first / "model.bin").stat().st_mtime_ns
    assert converted_model(tiny_models[1], "int8") == first
    assert (first / "model.bin").stat().st_mtime_ns == written, "the cached model was converted again"
    assert cache_path(tiny_models[1], "float32") != first


def test_decoding_settings_map_to_ctranslate2():
    defaults = GenerationConfig(max_length=20)
    assert ctranslate2_options({"num_beams": 4, "min_length": 5, "max_length": 15}, defaults) == {
        "beam_size": 4,
        "max_decoding_length": 14,
        "min_decoding_length": 4,
        "length_penalty": 1.0,
        "no_repeat_ngram_size": 0,
    }
    assert ctranslate2_options({}, defaults)["max_decoding_length"] == 19
    with pytest.raises(ValueError, match="top_k"):
        ctranslate2_options({"top_k": 5}, defaults)


@pytest.fixture(scope="module")
def family_models(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("families")
    return {family: str(build_tiny(family, root / family, seed=3)) for family in ("marian", "nllb", "bart")}


@pytest.mark.parametrize(
    "family, task_name",
    [
        ("marian", "translation_en_to_de"),
        ("nllb", "translation_de_to_fr"),
        ("nllb", "translation_en_to_es"),
        ("bart", "summarization"),
    ],
)
def test_every_family_gives_the_same_tokens_on_both_engines(family_models, texts, family, task_name):
    """The language tokens (NLLB's source and target, BART's forced <s>) reach both engines alike."""
    reference = load_engine(family_models[family], "transformers")
    fast = load_engine(family_models[family], "ctranslate2", compute_type="float32")
    task = reference.task(task_name)
    short = [text for text in texts if len(text.split()) <= 10][:8]  # within the tiny models' 64-token window
    prompts = [task.prefix + text for text in short]
    decoding = {**task.generate_kwargs, "num_beams": 1}
    expected = reference.generate(prompts, task=task, **decoding).texts
    assert fast.generate(prompts, task=fast.task(task_name), **decoding).texts == expected
    assert len(set(expected)) > 1


def test_the_target_language_changes_the_translation(family_models, texts):
    fast = load_engine(family_models["nllb"], "ctranslate2", compute_type="float32")
    answers = {
        target: fast.generate(texts[:4], task=fast.task(f"translation_en_to_{target}"), num_beams=1).texts
        for target in ("de", "fr")
    }
    assert answers["de"] != answers["fr"]
