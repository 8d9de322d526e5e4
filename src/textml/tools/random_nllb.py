"""NLLB-200 checkpoints with random weights, built offline: nllb-200-distilled-600M's exact architecture, token
ids and generation config, its tokenizer's 202 FLORES-200 language tokens included.

NLLB's ids, as the real tokenizer's: <s> 0, <pad> 1, </s> 2, <unk> 3, then the BPE pieces, then the language
tokens (ace_Arab first, eng_Latn 256047 with the full vocabulary), then <mask>. A source reads
[source language, pieces..., </s>]; the decoder starts from </s> and is given the target language token first
(forced_bos_token_id in transformers, target_prefix in CTranslate2).

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import json
from pathlib import Path

from tokenizers import SentencePieceBPETokenizer
from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

from textml.tools.random_text import distinct_words, every_word_twice, save_random_checkpoint

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>"]
# nllb-200-distilled-600M's config.json, less its token ids (the tokenizer's).
NLLB_600M_SHAPE = dict(
    d_model=1024,
    encoder_layers=12,
    decoder_layers=12,
    encoder_attention_heads=16,
    decoder_attention_heads=16,
    encoder_ffn_dim=4096,
    decoder_ffn_dim=4096,
    max_position_embeddings=1024,
    activation_function="relu",
    scale_embedding=True,
    dropout=0.1,
    attention_dropout=0.1,
    activation_dropout=0.0,
    encoder_layerdrop=0.0,
    decoder_layerdrop=0.0,
    # The tokenizer's 256204 tokens, and two unused rows.
    vocab_size=256_206,
)
# The special tokens and BPE pieces before the language tokens: 256001, so eng_Latn is 256047 as in NLLB-200.
NLLB_PIECES = 256_001
NLLB_GENERATION = dict(max_length=200)
NLLB_INPUT_WINDOW = 1024


def train_tokenizer(pieces: int, words: list[str], input_window: int) -> NllbTokenizer:
    """An NLLB tokenizer: BPE on sentencepiece-style words (▁ marks a word's start), `pieces` tokens with
    SPECIAL_TOKENS first, then every FLORES-200 language token (special: never split, dropped by decode with
    skip_special_tokens), then <mask>."""
    bpe = SentencePieceBPETokenizer()
    bpe.train_from_iterator(
        every_word_twice(words), vocab_size=pieces, special_tokens=SPECIAL_TOKENS, show_progress=False
    )
    model = json.loads(bpe.to_str())["model"]
    vocab = model["vocab"]
    # In the vocabulary at NLLB's places; NllbTokenizer then makes them special tokens at those same ids.
    for token in [*FAIRSEQ_LANGUAGE_CODES, "<mask>"]:
        vocab[token] = len(vocab)
    return NllbTokenizer(
        vocab=vocab,
        merges=[tuple(merge) for merge in model["merges"]],
        additional_special_tokens=FAIRSEQ_LANGUAGE_CODES,
        model_max_length=input_window,
    )


def build_random_nllb(
    directory: Path,
    seed: int,
    words: list[str],
    pieces: int,
    generation: dict = NLLB_GENERATION,
    input_window: int = NLLB_INPUT_WINDOW,
    **shape,
) -> Path:
    """Writes a random-weight NLLB-200 checkpoint (model_type m2m_100) with its tokenizer into `directory` and
    returns it; without a vocab_size in `shape`, the tokenizer's size."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(pieces, words, input_window)
    shape.setdefault("vocab_size", len(tokenizer))
    config = M2M100Config(
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        tokenizer_class="NllbTokenizer",
        **shape,
    )
    languages = tokenizer.convert_tokens_to_ids(FAIRSEQ_LANGUAGE_CODES)
    return save_random_checkpoint(
        directory, M2M100ForConditionalGeneration, config, tokenizer, seed, generation, quiet=languages
    )


def build_nllb_600m_shaped(directory: Path, seed: int = 0, **changes) -> Path:
    """nllb-200-distilled-600M's architecture, token ids and generation config, with random weights; `changes`
    replace generation settings (max_length, min_length, ...)."""
    return build_random_nllb(
        directory,
        seed,
        distinct_words(300_000),
        NLLB_PIECES,
        generation={**NLLB_GENERATION, **changes},
        **NLLB_600M_SHAPE,
    )
