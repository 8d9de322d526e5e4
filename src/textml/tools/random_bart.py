"""BART summarizer checkpoints with random weights, built offline: sshleifer/distilbart-cnn-12-6's exact
architecture, vocabulary size and summarization settings, with a byte-level BPE tokenizer as BART's.

BART's tokens: <s> 0, <pad> 1, </s> 2, <unk> 3, the BPE pieces, <mask> last. A source reads
[<s>, pieces..., </s>] and takes no task prefix; the decoder starts from </s> and is given <s> first
(forced_bos_token_id 0 in transformers, target_prefix [["<s>"]] in CTranslate2).

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import json
from pathlib import Path

from tokenizers import ByteLevelBPETokenizer
from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

from textml.tools.random_text import distinct_words, every_word_twice, save_random_checkpoint

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>"]
# What every BART checkpoint's config.json says of its layers (CTranslate2's converter reads these).
BART_ARCHITECTURE = dict(
    activation_function="gelu",
    scale_embedding=False,
    normalize_before=False,
    normalize_embedding=True,
    add_final_layer_norm=False,
    add_bias_logits=False,
    static_position_embeddings=False,
    extra_pos_embeddings=2,
)
# distilbart-cnn-12-6's config.json besides: less its token ids (the tokenizer's) and generation settings.
DISTILBART_CNN_SHAPE = dict(
    d_model=1024,
    encoder_layers=12,
    decoder_layers=6,
    encoder_attention_heads=16,
    decoder_attention_heads=16,
    encoder_ffn_dim=4096,
    decoder_ffn_dim=4096,
    max_position_embeddings=1024,
    dropout=0.1,
    attention_dropout=0.0,
    activation_dropout=0.0,
    forced_eos_token_id=2,
    # BART's 50265 tokens less <mask>: distilbart's embeddings stop before it.
    vocab_size=50_264,
)
DISTILBART_CNN_SUMMARIZATION = {
    "early_stopping": True,
    "length_penalty": 2.0,
    "max_length": 142,
    "min_length": 56,
    "no_repeat_ngram_size": 3,
    "num_beams": 4,
}
# Its generation_config.json: the summarization settings, and these (transformers 5 keeps forced_bos_token_id
# there only, not in config.json).
DISTILBART_CNN_GENERATION = dict(forced_bos_token_id=0, forced_eos_token_id=2)
# BART's vocabulary: SPECIAL_TOKENS, byte-level BPE pieces, <mask>.
BART_TOKENS = 50_265
BART_INPUT_WINDOW = 1024


def train_tokenizer(directory: Path, tokens: int, words: list[str], input_window: int) -> BartTokenizer:
    """A byte-level BPE tokenizer as BART's (vocab.json and merges.txt in `directory`), `tokens` tokens in all:
    SPECIAL_TOKENS first, <mask> last."""
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        every_word_twice(words), vocab_size=tokens - 1, special_tokens=SPECIAL_TOKENS, show_progress=False
    )
    model = json.loads(bpe.to_str())["model"]
    vocab = {**model["vocab"], "<mask>": len(model["vocab"])}
    merges = [tuple(merge) for merge in model["merges"]]
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (directory / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return BartTokenizer(vocab=vocab, merges=merges, model_max_length=input_window)


def stray_bytes(tokenizer: BartTokenizer) -> list[int]:
    """The ids of lone bytes that are not printable ASCII (the byte-level alphabet has all 256): emitted alone
    they decode to nothing readable (U+FFFD), and a trained BART never does."""
    return [
        i
        for token, i in tokenizer.get_vocab().items()
        if len(token) == 1 and token != "Ġ" and not (token.isascii() and token.isprintable())
    ]


def build_random_bart(
    directory: Path,
    seed: int,
    words: list[str],
    tokens: int,
    summarization: dict = DISTILBART_CNN_SUMMARIZATION,
    generation: dict = DISTILBART_CNN_GENERATION,
    input_window: int = BART_INPUT_WINDOW,
    **shape,
) -> Path:
    """Writes a random-weight BART summarizer with its tokenizer into `directory` and returns it: `summarization`
    is its task_specific_params["summarization"] (no prefix: BART takes none) and, with `generation`, its
    generation config; without a vocab_size in `shape`, the tokenizer's size."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(directory, tokens, words, input_window)
    shape.setdefault("vocab_size", len(tokenizer))
    config = BartConfig(
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        task_specific_params={"summarization": summarization},
        **{**BART_ARCHITECTURE, **shape},
    )
    return save_random_checkpoint(
        directory,
        BartForConditionalGeneration,
        config,
        tokenizer,
        seed,
        {**summarization, **generation},
        silent=stray_bytes(tokenizer),
    )


def build_distilbart_cnn_shaped(directory: Path, seed: int = 0, **changes) -> Path:
    """distilbart-cnn-12-6's architecture, vocabulary size and summarization settings, with random weights;
    `changes` replace summarization settings (max_length, min_length, ...)."""
    return build_random_bart(
        directory,
        seed,
        distinct_words(150_000),
        BART_TOKENS,
        summarization={**DISTILBART_CNN_SUMMARIZATION, **changes},
        **DISTILBART_CNN_SHAPE,
    )
