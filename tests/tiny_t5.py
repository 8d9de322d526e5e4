"""Small T5 checkpoints built offline: random weights and a sentencepiece tokenizer trained here.

They load through exactly the code path t5-small does (AutoTokenizer / AutoModelForSeq2SeqLM from a
directory) and carry task_specific_params shaped like t5-small's, with output lengths pinned so
random weights (which never choose to stop) decode a known number of tokens.
"""

import random
import tempfile
from pathlib import Path

import sentencepiece
import torch
from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

WORDS = (
    "it was the best of times worst age wisdom foolishness epoch belief incredulity season light "
    "darkness spring hope winter despair we had everything before us nothing were all going direct "
    "to heaven other way in short period so far like present that some its noisiest authorities "
    "insisted on being received for good or evil superlative degree comparison only translate "
    "English French German Romanian summarize house garden river city morning evening friend"
).split()

# Output lengths pinned (min == max) as t5-small's keys, so every decode is the same size.
OUTPUT_TOKENS = 8
TASK_SPECIFIC_PARAMS = {
    "summarization": {
        "early_stopping": True, "length_penalty": 2.0, "max_length": OUTPUT_TOKENS,
        "min_length": OUTPUT_TOKENS, "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: ",
    },
    **{
        f"translation_en_to_{code}": {
            "early_stopping": True, "max_length": OUTPUT_TOKENS, "min_length": OUTPUT_TOKENS,
            "num_beams": 4, "prefix": f"translate English to {name}: ",
        }
        for code, name in (("fr", "French"), ("de", "German"), ("ro", "Romanian"))
    },
}


def train_tokenizer(directory: Path) -> T5Tokenizer:
    rng = random.Random(0)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 20))) for _ in range(2000)]
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus.txt"
        corpus.write_text("\n".join(sentences))
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(directory / "spiece"), vocab_size=256,
            model_type="unigram", hard_vocab_limit=False, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
            pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>", minloglevel=2,
        )
    return T5Tokenizer.from_pretrained(str(directory), extra_ids=0)


def build_tiny_t5(directory: Path, seed: int, **architecture) -> Path:
    """Writes a random-weight T5 checkpoint with its tokenizer into `directory` and returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(directory)
    # A larger initializer spread than T5's default makes outputs depend visibly on the input.
    shape = dict(d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=2, num_decoder_layers=2,
                 initializer_factor=5.0)
    shape.update(architecture)
    config = T5Config(
        vocab_size=len(tokenizer), pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        task_specific_params=TASK_SPECIFIC_PARAMS, **shape,
    )
    torch.manual_seed(seed)
    T5ForConditionalGeneration(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
