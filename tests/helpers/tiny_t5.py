"""Small T5 checkpoints for the tests, built offline: random weights and a sentencepiece tokenizer trained
here. They load through exactly the code path t5-small does, and carry task_specific_params shaped like
t5-small's, with output lengths pinned."""

from pathlib import Path

from textml.tools.random_t5 import build_random_t5

WORDS = (
    "it was the best of times worst age wisdom foolishness epoch belief incredulity season light "
    "darkness spring hope winter despair we had everything before us nothing were all going direct "
    "to heaven other way in short period so far like present that some its noisiest authorities "
    "insisted on being received for good or evil superlative degree comparison only translate "
    "English French German Romanian summarize house garden river city morning evening friend"
).split()

# Output lengths pinned (min == max) as t5-small's keys, so every decode is the same size.
OUTPUT_TOKENS = 8
# A small input window (t5-small's is 512), so a test reaches it with a few sentences.
INPUT_WINDOW = 64
TASK_SPECIFIC_PARAMS = {
    "summarization": {
        "early_stopping": True,
        "length_penalty": 2.0,
        "max_length": OUTPUT_TOKENS,
        "min_length": OUTPUT_TOKENS,
        "no_repeat_ngram_size": 3,
        "num_beams": 4,
        "prefix": "summarize: ",
    },
    **{
        f"translation_en_to_{code}": {
            "early_stopping": True,
            "max_length": OUTPUT_TOKENS,
            "min_length": OUTPUT_TOKENS,
            "num_beams": 4,
            "prefix": f"translate English to {name}: ",
        }
        for code, name in (("fr", "French"), ("de", "German"), ("ro", "Romanian"))
    },
}


def build_tiny_t5(directory: Path, seed: int) -> Path:
    # A larger initializer spread than T5's default makes outputs depend visibly on the input.
    return build_random_t5(
        directory,
        seed,
        WORDS,
        tokenizer_vocab=256,
        extra_ids=0,
        task_specific_params=TASK_SPECIFIC_PARAMS,
        input_window=INPUT_WINDOW,
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_heads=4,
        num_layers=2,
        num_decoder_layers=2,
        initializer_factor=5.0,
    )
