"""Small checkpoints of every family textml serves, for the tests, built offline in well under a second each:
random weights and tokenizers trained here on tiny_t5's WORDS. Each is its family's real layout (token ids,
config fields, generation settings) at a tiny size: d_model 32, 2 + 2 layers, a vocabulary of about 256
tokens plus the family's special ones, an input window of 64 tokens, and outputs pinned to 8 tokens
(min_length == max_length, counting the decoder start token as transformers does).

Random weights never choose to stop, so settings that end an answer early are left out: the forced </s> at
max_length that OPUS-MT and distilbart-cnn set (forced_eos_token_id).
"""

from functools import partial
from pathlib import Path

from helpers.tiny_t5 import INPUT_WINDOW, OUTPUT_TOKENS, WORDS, build_tiny_t5
from textml.tools.random_bart import build_random_bart
from textml.tools.random_m2m100 import build_random_m2m100
from textml.tools.random_marian import build_random_marian
from textml.tools.random_nllb import build_random_nllb

TINY_NETWORK = dict(
    d_model=32,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    max_position_embeddings=INPUT_WINDOW,
    forced_eos_token_id=None,
)
PINNED = dict(max_length=OUTPUT_TOKENS, min_length=OUTPUT_TOKENS)
# distilbart-cnn's summarization settings, lengths pinned.
SUMMARIZATION = dict(early_stopping=True, length_penalty=2.0, no_repeat_ngram_size=3, num_beams=4, **PINNED)

# Each family's builder, as build_tiny calls it. init_std: a larger spread than the real 0.02 makes outputs depend
# visibly on the input (as initializer_factor 5.0 does for tiny_t5).
TINY = {
    "t5": build_tiny_t5,
    "marian": partial(
        build_random_marian,
        words=WORDS,
        pieces=256,
        generation=dict(num_beams=4, renormalize_logits=True, **PINNED),
        input_window=INPUT_WINDOW,
        init_std=0.5,
        **TINY_NETWORK,
    ),
    "nllb": partial(
        build_random_nllb,
        words=WORDS,
        pieces=256,
        generation=PINNED,
        input_window=INPUT_WINDOW,
        init_std=0.5,
        **TINY_NETWORK,
    ),
    "m2m100": partial(
        build_random_m2m100,
        words=WORDS,
        pieces=256,
        generation=dict(early_stopping=True, num_beams=5, **PINNED),
        input_window=INPUT_WINDOW,
        init_std=0.5,
        **TINY_NETWORK,
    ),
    "bart": partial(
        build_random_bart,
        words=WORDS,
        tokens=400,  # the byte-level alphabet is 256 of them
        summarization=SUMMARIZATION,
        generation=dict(forced_bos_token_id=0),
        input_window=INPUT_WINDOW,
        init_std=1.0,
        **TINY_NETWORK,
    ),
}
FAMILIES = tuple(TINY)


def build_tiny(family: str, directory: Path, seed: int = 0, **options) -> Path:
    """A tiny `family` checkpoint (t5, marian, nllb, m2m100 or bart) in `directory`; `options` replace the builder's
    arguments (e.g. pair=("fr", "en") for marian)."""
    return TINY[family](directory, seed, **options)
