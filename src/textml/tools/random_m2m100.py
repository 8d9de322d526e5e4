"""M2M100 checkpoints with random weights, built offline: facebook/m2m100_418M's exact architecture, token ids and
generation config, its tokenizer's 100 language tokens (__en__, __de__, ...) included.

M2M100's ids, as the real tokenizer's: <s> 0, <pad> 1, </s> 2, <unk> 3, the sentencepiece pieces (vocab.json),
the language tokens (__af__ first, __en__ 128022 with the full vocabulary), then 8 unused "madeup words" rows.
A source reads [__en__, pieces..., </s>]; the decoder starts from </s> and is given the target language token
first (forced_bos_token_id in transformers, target_prefix in CTranslate2).

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import json
import tempfile
from pathlib import Path

import sentencepiece
from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer
from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

from textml.tools.random_nllb import NLLB_600M_SHAPE
from textml.tools.random_text import distinct_words, every_word_twice, save_random_checkpoint

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>"]
# The rows past the language tokens that M2M100 has and CTranslate2's converter adds to the vocabulary.
MADEUP_WORDS = 8
# m2m100_418M's config.json, less its token ids (the tokenizer's): NLLB-200-distilled-600M's architecture, with
# layer drop and its own vocabulary.
M2M100_418M_SHAPE = {**NLLB_600M_SHAPE, "encoder_layerdrop": 0.05, "decoder_layerdrop": 0.05, "vocab_size": 128_112}
# The sentencepiece pieces: with SPECIAL_TOKENS, vocab.json's 128004, so __en__ is 128022 as in m2m100_418M.
M2M100_PIECES = 128_000
M2M100_GENERATION = dict(early_stopping=True, num_beams=5, max_length=200)
M2M100_INPUT_WINDOW = 1024


def train_tokenizer(directory: Path, pieces: int, words: list[str], input_window: int) -> M2M100Tokenizer:
    """An M2M100 tokenizer: a sentencepiece BPE model (sentencepiece.bpe.model in `directory`) of `pieces`
    pieces, vocab.json with SPECIAL_TOKENS first, and M2M100's 100 language tokens after them (special: never
    split, dropped by decode with skip_special_tokens)."""
    with tempfile.TemporaryDirectory() as scratch:
        corpus, prefix = Path(scratch) / "corpus.txt", Path(scratch) / "spm"
        corpus.write_text("\n".join(every_word_twice(words)))
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(prefix),
            vocab_size=pieces + 1,  # and <unk>
            model_type="bpe",
            unk_id=0,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            minloglevel=2,
            num_threads=2,
        )
        (directory / "sentencepiece.bpe.model").write_bytes(Path(f"{prefix}.model").read_bytes())
    model = sentencepiece.SentencePieceProcessor(model_file=str(directory / "sentencepiece.bpe.model"))
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    vocab.update((model.id_to_piece(i), len(SPECIAL_TOKENS) + i - 1) for i in range(1, model.get_piece_size()))
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    return M2M100Tokenizer(
        str(directory / "vocab.json"),
        str(directory / "sentencepiece.bpe.model"),
        num_madeup_words=MADEUP_WORDS,
        model_max_length=input_window,
        # Named, as m2m100_418M's tokenizer_config.json names them: transformers 5's M2M100Tokenizer otherwise
        # numbers them but keeps them out of its vocabulary and special tokens (decode would keep __de__).
        extra_special_tokens=[f"__{code}__" for code in FAIRSEQ_LANGUAGE_CODES["m2m100"]],
    )


def build_random_m2m100(
    directory: Path,
    seed: int,
    words: list[str],
    pieces: int,
    generation: dict = M2M100_GENERATION,
    input_window: int = M2M100_INPUT_WINDOW,
    **shape,
) -> Path:
    """Writes a random-weight M2M100 checkpoint with its tokenizer into `directory` and returns it; without a
    vocab_size in `shape`, the tokenizer's size and the madeup words."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(directory, pieces, words, input_window)
    shape.setdefault("vocab_size", len(tokenizer) + MADEUP_WORDS)
    config = M2M100Config(
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        **shape,
    )
    languages = list(tokenizer.lang_token_to_id.values())
    return save_random_checkpoint(
        directory, M2M100ForConditionalGeneration, config, tokenizer, seed, generation, quiet=languages
    )


def build_m2m100_418m_shaped(directory: Path, seed: int = 0, **changes) -> Path:
    """m2m100_418M's architecture, token ids and generation config, with random weights; `changes` replace
    generation settings (max_length, min_length, ...)."""
    return build_random_m2m100(
        directory,
        seed,
        distinct_words(200_000),
        M2M100_PIECES,
        generation={**M2M100_GENERATION, **changes},
        **M2M100_418M_SHAPE,
    )
