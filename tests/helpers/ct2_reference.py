"""What a checkpoint gives when run directly with CTranslate2 (greedy, float32), outside textml: its tokenizer
used the way each family's model card says, the answer textml must reproduce for any family."""

from functools import lru_cache

import ctranslate2
from ctranslate2.converters import TransformersConverter
from transformers import AutoTokenizer, GenerationConfig

# NLLB-200's FLORES codes of the languages the tests use (written out here, not taken from textml).
LENGTHS = ("max_length", "min_length", "no_repeat_ngram_size")
FLORES = {"en": "eng_Latn", "de": "deu_Latn", "fr": "fra_Latn", "es": "spa_Latn", "it": "ita_Latn"}


@lru_cache(maxsize=8)
def _load(checkpoint: str, scratch: str):
    converted = f"{scratch}/{abs(hash(checkpoint))}"
    TransformersConverter(checkpoint).convert(converted, quantization="float32", force=True)
    return AutoTokenizer.from_pretrained(checkpoint), ctranslate2.Translator(converted, device="cpu")


def ct2_generate(
    checkpoint: str,
    scratch: str,
    text: str,
    source_token: str | None = None,
    target_token: str | None = None,
    **decoding,
) -> str:
    """`text` decoded greedily with the checkpoint's generation_config lengths, then `decoding` (Hugging Face
    names); with language tokens for NLLB (tokenizer.src_lang, target prefix)."""
    tokenizer, translator = _load(checkpoint, scratch)
    if source_token:
        tokenizer.src_lang = source_token
    tokens = tokenizer.convert_ids_to_tokens(tokenizer(text).input_ids)
    prefix = {"target_prefix": [[target_token]]} if target_token else {}
    defaults = GenerationConfig.from_pretrained(checkpoint)
    setting = {**{name: getattr(defaults, name) for name in LENGTHS}, **decoding}
    [result] = translator.translate_batch(
        [tokens],
        **prefix,
        beam_size=1,
        # Hugging Face's lengths count the decoder start token; CTranslate2's do not.
        max_decoding_length=setting["max_length"] - 1,
        min_decoding_length=max(0, (setting["min_length"] or 0) - 1),
        no_repeat_ngram_size=setting["no_repeat_ngram_size"] or 0,
    )
    return tokenizer.decode(tokenizer.convert_tokens_to_ids(result.hypotheses[0]), skip_special_tokens=True)


def nllb(checkpoint: str, scratch: str, text: str, source: str, target: str, **decoding) -> str:
    return ct2_generate(checkpoint, scratch, text, FLORES[source], FLORES[target], **decoding)
