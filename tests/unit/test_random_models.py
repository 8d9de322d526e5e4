"""The offline random-weight checkpoints of every family (tests/helpers/tiny_models.py, textml.tools.random_*):
each loads as the replicas load it, converts to CTranslate2, decodes greedily to the same tokens in both engines,
and keeps its family's token conventions (NLLB's 202 and M2M100's 100 language tokens, Marian's </s>-only
inputs, BART's <s>)."""

import argparse
import json

import ctranslate2
import pytest
import torch
from ctranslate2.converters import TransformersConverter
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES as M2M100_LANGUAGE_CODES
from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

from helpers.tiny_models import FAMILIES, build_tiny
from helpers.tiny_t5 import INPUT_WINDOW, OUTPUT_TOKENS
from textml.cli import models
from textml.cli.local import ServiceError
from textml.engines.checkpoints import RANDOM_WEIGHTS_FIELD

TEXTS = ("it was the best of times", "the house by the river in the morning", "we had everything before us")


# How each family is asked to translate (or summarize): what goes before the text, the source language the
# tokenizer puts first (NLLB, M2M100), and the token the output must start with, which transformers forces
# (forced_bos_token_id) and CTranslate2 is given (target_prefix).
ASKING = {
    "t5": dict(prefix="translate English to German: "),
    "marian": dict(),
    "nllb": dict(source_language="eng_Latn", first="fra_Latn"),
    "m2m100": dict(source_language="en", first="__fr__"),
    "bart": dict(first="<s>"),
}
# The input's special tokens before and after the text's pieces, German input where a tokenizer is told.
SOURCE_FRAME = {
    "t5": (None, [], ["</s>"]),
    "marian": (None, [], ["</s>"]),
    "nllb": ("deu_Latn", ["deu_Latn"], ["</s>"]),
    "m2m100": ("de", ["__de__"], ["</s>"]),
    "bart": (None, ["<s>"], ["</s>"]),
}
# The language tokens of the families that have them, each a special token, in this order of ids.
LANGUAGE_TOKENS = {
    "nllb": FAIRSEQ_LANGUAGE_CODES,
    "m2m100": [f"__{code}__" for code in M2M100_LANGUAGE_CODES["m2m100"]],
}
TARGETS = {"nllb": ("fra_Latn", "deu_Latn", "zho_Hant"), "m2m100": ("__fr__", "__de__", "__zh__")}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("tiny-models")
    return {family: build_tiny(family, root / family, seed=0) for family in FAMILIES}


@pytest.fixture(scope="module")
def loaded(checkpoints) -> dict:
    return {
        family: (AutoTokenizer.from_pretrained(path), AutoModelForSeq2SeqLM.from_pretrained(path))
        for family, path in checkpoints.items()
    }


@pytest.fixture(scope="module")
def translators(checkpoints, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("tiny-ct2")
    translators = {}
    for family, path in checkpoints.items():
        TransformersConverter(str(path)).convert(str(root / family), quantization="float32")
        translators[family] = ctranslate2.Translator(str(root / family), device="cpu", compute_type="float32")
    return translators


def transformers_ids(family: str, loaded: dict, text: str, first: str | None = None) -> list[int]:
    """The output ids greedy transformers gives, decoder start token included."""
    tokenizer, model = loaded[family]
    asking = ASKING[family]
    if "source_language" in asking:
        tokenizer.src_lang = asking["source_language"]
    first = first or asking.get("first")
    forced = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(first)} if first else {}
    inputs = tokenizer(asking.get("prefix", "") + text, return_tensors="pt")
    with torch.no_grad():
        output = model.generate(
            **inputs,
            num_beams=1,
            do_sample=False,
            max_length=OUTPUT_TOKENS,
            min_length=OUTPUT_TOKENS,
            no_repeat_ngram_size=model.generation_config.no_repeat_ngram_size or 0,
            **forced,
        )
    return output[0].tolist()


def ctranslate2_ids(family: str, loaded: dict, translators: dict, text: str) -> list[int]:
    """The output ids greedy CTranslate2 gives: no decoder start token, the target prefix included."""
    tokenizer, model = loaded[family]
    asking = ASKING[family]
    if "source_language" in asking:
        tokenizer.src_lang = asking["source_language"]
    source = tokenizer.convert_ids_to_tokens(tokenizer(asking.get("prefix", "") + text).input_ids)
    prefix = {"target_prefix": [[asking["first"]]]} if "first" in asking else {}
    [result] = translators[family].translate_batch(
        [source],
        beam_size=1,
        # CTranslate2's lengths leave out the decoder start token, and count the target prefix.
        max_decoding_length=OUTPUT_TOKENS - 1,
        min_decoding_length=OUTPUT_TOKENS - 1,
        no_repeat_ngram_size=model.generation_config.no_repeat_ngram_size or 0,
        **prefix,
    )
    return tokenizer.convert_tokens_to_ids(result.hypotheses[0])


@pytest.mark.parametrize("family", FAMILIES)
def test_loads_as_the_replicas_load_it(family, checkpoints, loaded):
    tokenizer, model = loaded[family]
    assert tokenizer.model_max_length == INPUT_WINDOW
    assert model.config.vocab_size >= len(tokenizer)
    if family != "t5":  # tiny_t5 stays as it was: unmarked, lengths in task_specific_params only
        assert getattr(model.config, RANDOM_WEIGHTS_FIELD) is True
        generation = json.loads((checkpoints[family] / "generation_config.json").read_text())
        assert generation["min_length"] == generation["max_length"] == OUTPUT_TOKENS
        assert "forced_eos_token_id" not in generation


@pytest.mark.parametrize("family", FAMILIES)
def test_ctranslate2_float32_decodes_the_tokens_transformers_does(family, loaded, translators):
    for text in TEXTS:
        expected = transformers_ids(family, loaded, text)
        assert len(expected) == OUTPUT_TOKENS
        assert ctranslate2_ids(family, loaded, translators, text) == expected[1:], text


@pytest.mark.parametrize("family", FAMILIES)
def test_outputs_depend_on_the_input(family, loaded):
    assert len({tuple(transformers_ids(family, loaded, text)) for text in TEXTS}) > 1


@pytest.mark.parametrize("family", FAMILIES)
def test_inputs_are_framed_as_the_family_frames_them(family, loaded):
    tokenizer, _ = loaded[family]
    language, before, after = SOURCE_FRAME[family]
    if language:
        tokenizer.src_lang = language
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("hallo house").input_ids)
    assert tokens[: len(before)] == before and tokens[len(tokens) - len(after) :] == after, tokens
    assert not set(tokens[len(before) : len(tokens) - len(after)]) & set(tokenizer.all_special_tokens), tokens


@pytest.mark.parametrize("family", FAMILIES)
def test_pad_and_ids_past_the_tokenizer_are_never_emitted(family, loaded):
    tokenizer, model = loaded[family]
    rows = model.get_output_embeddings().weight
    assert not rows[tokenizer.pad_token_id].any()
    assert not rows[len(tokenizer) :].any()


@pytest.mark.parametrize("family", LANGUAGE_TOKENS)
def test_language_tokens_are_special_tokens_that_decode_drops(family, loaded):
    tokenizer, _ = loaded[family]
    languages = LANGUAGE_TOKENS[family]
    assert set(languages) <= set(tokenizer.all_special_tokens)
    ids = tokenizer.convert_tokens_to_ids(languages)
    assert ids == list(range(ids[0], ids[0] + len(languages)))  # after the pieces, as the real tokenizers'
    assert tokenizer.convert_tokens_to_ids(["<s>", "<pad>", "</s>", "<unk>"]) == [0, 1, 2, 3]

    language, before, _ = SOURCE_FRAME[family]
    tokenizer.src_lang = language
    encoded = tokenizer("hallo house").input_ids
    assert encoded[0] == tokenizer.convert_tokens_to_ids(before[0]) and encoded[-1] == tokenizer.eos_token_id
    with_target = [tokenizer.convert_tokens_to_ids(TARGETS[family][0]), *encoded]
    assert tokenizer.decode(with_target, skip_special_tokens=True) == "hallo house"


def test_nllb_has_nllb_200s_flores_200_languages_then_mask(loaded):
    tokenizer, _ = loaded["nllb"]
    assert len(FAIRSEQ_LANGUAGE_CODES) == 202 and {"eng_Latn", "zho_Hans", "zho_Hant"} <= set(FAIRSEQ_LANGUAGE_CODES)
    assert tokenizer.convert_tokens_to_ids("<mask>") == tokenizer.convert_tokens_to_ids("zul_Latn") + 1
    assert tokenizer.convert_tokens_to_ids("<mask>") == len(tokenizer) - 1


def test_m2m100_has_eight_madeup_words_after_its_languages(loaded):
    tokenizer, model = loaded["m2m100"]
    assert tokenizer.convert_tokens_to_ids("__zu__") == len(tokenizer) - 1
    assert model.config.vocab_size == len(tokenizer) + 8


@pytest.mark.parametrize("family", LANGUAGE_TOKENS)
def test_output_depends_on_the_target_language(family, loaded):
    outputs = {
        language: [transformers_ids(family, loaded, text, first=language)[2:] for text in TEXTS]
        for language in TARGETS[family]
    }
    assert len({tuple(map(tuple, answers)) for answers in outputs.values()}) > 1


@pytest.mark.parametrize("family", LANGUAGE_TOKENS)
def test_answers_hold_no_language_tokens(family, loaded):
    tokenizer, _ = loaded[family]
    languages = set(tokenizer.convert_tokens_to_ids(LANGUAGE_TOKENS[family]))
    for text in TEXTS:
        assert not set(transformers_ids(family, loaded, text)[2:]) & languages


def test_marian_vocabulary_is_opus_mts(checkpoints, loaded):
    tokenizer, model = loaded["marian"]
    vocab = json.loads((checkpoints["marian"] / "vocab.json").read_text())
    assert (vocab["</s>"], vocab["<unk>"], vocab["<pad>"]) == (0, 1, len(vocab) - 1)
    assert len(vocab) == len(tokenizer) == model.config.vocab_size
    # The decoder starts from <pad> (an all-zero embedding, CTranslate2's start_from_zero_embedding).
    assert model.config.decoder_start_token_id == model.config.pad_token_id == len(vocab) - 1
    assert (tokenizer.source_lang, tokenizer.target_lang) == ("en", "de")


def test_marian_pair_names_the_tokenizers_languages(tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(build_tiny("marian", tmp_path / "fr-en", pair=("fr", "en")))
    assert (tokenizer.source_lang, tokenizer.target_lang) == ("fr", "en")


def test_bart_is_a_summarizer_as_distilbart_cnn(loaded):
    _, model = loaded["bart"]
    summarization = model.config.task_specific_params["summarization"]
    assert "prefix" not in summarization
    assert summarization["min_length"] == summarization["max_length"] == OUTPUT_TOKENS
    assert (summarization["num_beams"], summarization["no_repeat_ngram_size"]) == (4, 3)
    assert model.generation_config.forced_bos_token_id == 0


def test_bart_answers_are_printable(loaded):
    tokenizer, _ = loaded["bart"]
    for text in TEXTS:
        assert "\ufffd" not in tokenizer.decode(transformers_ids("bart", loaded, text), skip_special_tokens=True)


def test_model_random_takes_a_family_and_a_pair_for_marian():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    models.add_random_arguments(parser)
    assert vars(parser.parse_args(["d"])) == {"directory": "d", "family": "t5", "pair": None}
    args = parser.parse_args(["d", "--family", "marian", "--pair", "fr-en"])
    assert models.language_pair(args.pair, args.family) == ("fr", "en")
    assert models.language_pair(None, "nllb") == ("en", "de")
    with pytest.raises(ServiceError, match="--pair is for --family marian"):
        models.language_pair("fr-en", "bart")
    with pytest.raises(ServiceError, match="two language codes"):
        models.language_pair("french", "marian")
