"""T5 checkpoints with random weights, built offline: t5-small's exact architecture and generation config,
for measuring speed where the real weights can't be downloaded.

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import tempfile
from pathlib import Path

import sentencepiece
import torch
from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

from textml.engines.families import MAX_INPUT_TOKENS
from textml.tools.random_text import SYLLABLES, pseudo_words, sentences

# pseudo_words and SYLLABLES moved to random_text; still importable from here.
__all__ = ["SYLLABLES", "T5_SMALL_SHAPE", "T5_SMALL_TASKS", "build_random_t5", "build_t5_small_shaped", "pseudo_words"]

# t5-small's config.json: its shape and its per-task generation settings.
T5_SMALL_SHAPE = dict(
    d_model=512,
    d_ff=2048,
    d_kv=64,
    num_heads=8,
    num_layers=6,
    num_decoder_layers=6,
    relative_attention_num_buckets=32,
    feed_forward_proj="relu",
    vocab_size=32128,
)
T5_SMALL_TASKS = {
    "summarization": {
        "early_stopping": True,
        "length_penalty": 2.0,
        "max_length": 200,
        "min_length": 30,
        "no_repeat_ngram_size": 3,
        "num_beams": 4,
        "prefix": "summarize: ",
    },
    **{
        f"translation_en_to_{code}": {
            "early_stopping": True,
            "max_length": 300,
            "num_beams": 4,
            "prefix": f"translate English to {name}: ",
        }
        for code, name in (("de", "German"), ("fr", "French"), ("ro", "Romanian"))
    },
}


def train_tokenizer(directory: Path, vocab_size: int, words: list[str], extra_ids: int) -> T5Tokenizer:
    """A sentencepiece unigram tokenizer with T5's special tokens, trained on sentences of `words`."""
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus.txt"
        corpus.write_text("\n".join(sentences(words, max(2000, vocab_size * 2))))
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(directory / "spiece"),
            vocab_size=vocab_size,
            model_type="unigram",
            hard_vocab_limit=False,
            pad_id=0,
            eos_id=1,
            unk_id=2,
            bos_id=-1,
            pad_piece="<pad>",
            eos_piece="</s>",
            unk_piece="<unk>",
            minloglevel=2,
            num_threads=2,
        )
    return T5Tokenizer.from_pretrained(str(directory), extra_ids=extra_ids)


def build_random_t5(
    directory: Path,
    seed: int,
    words: list[str],
    tokenizer_vocab: int,
    extra_ids: int,
    task_specific_params: dict,
    input_window: int = MAX_INPUT_TOKENS,
    **shape,
) -> Path:
    """Writes a random-weight T5 checkpoint with its tokenizer into `directory` and returns it; the tokenizer
    names the model's input window (t5-small's says 512)."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(directory, tokenizer_vocab, words, extra_ids)
    tokenizer.model_max_length = input_window
    shape.setdefault("vocab_size", len(tokenizer))
    config = T5Config(
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, task_specific_params=task_specific_params, **shape
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    # Like a trained T5, never emit <pad> mid-sentence (engines differ on n-gram bans across <pad>, which is
    # also the decoder start token), nor ids past the tokenizer (t5-small pads its 32100 to 32128): their
    # output rows (tied to the embedding) are zero, so their logit 0 always loses to the largest random one.
    with torch.no_grad():
        rows = model.get_output_embeddings().weight
        rows[config.pad_token_id] = 0
        rows[len(tokenizer) :] = 0
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_t5_small_shaped(directory: Path, seed: int = 0) -> Path:
    """t5-small's architecture, vocabulary size and generation config, with random weights."""
    return build_random_t5(
        directory,
        seed,
        pseudo_words(120_000),
        tokenizer_vocab=32_000,
        extra_ids=100,
        task_specific_params=T5_SMALL_TASKS,
        **T5_SMALL_SHAPE,
    )
