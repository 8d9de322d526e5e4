"""MarianMT (OPUS-MT) checkpoints with random weights, built offline: Helsinki-NLP/opus-mt-en-de's exact
architecture, vocabulary size and generation config, for one language pair (any: the pair only names the
tokenizer's languages and the pseudo words it learns).

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import json
import shutil
import tempfile
import zlib
from pathlib import Path

import sentencepiece
from transformers import MarianConfig, MarianMTModel, MarianTokenizer

from textml.tools.random_text import pseudo_words, save_random_checkpoint, sentences

# What every OPUS-MT checkpoint's config.json says of its layers.
OPUS_MT_ARCHITECTURE = dict(
    activation_function="swish",
    scale_embedding=True,
    share_encoder_decoder_embeddings=True,
    static_position_embeddings=True,
    normalize_before=False,
    normalize_embedding=False,
    add_bias_logits=False,
    add_final_layer_norm=False,
)
# opus-mt-en-de's config.json besides, less its token ids (the tokenizer's: </s> 0, <unk> 1, <pad> last).
OPUS_MT_SHAPE = dict(
    d_model=512,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=8,
    decoder_attention_heads=8,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
    max_position_embeddings=512,
    dropout=0.1,
    attention_dropout=0.0,
    activation_dropout=0.0,
    forced_eos_token_id=0,
)
# Its sentencepiece pieces with </s> and <unk>: <pad> appended makes opus-mt-en-de's 58101.
OPUS_MT_PIECES = 58_100
# Its generation_config.json (it also bans <pad>: bad_words_ids, set from the tokenizer).
OPUS_MT_GENERATION = dict(num_beams=4, max_length=512, renormalize_logits=True, forced_eos_token_id=0)
OPUS_MT_INPUT_WINDOW = 512


def pair_words(pair: tuple[str, str], count: int) -> list[str]:
    """Pseudo words of both languages of `pair`, each language's its own (seeded by its code)."""
    return [word for code in pair for word in pseudo_words(count // 2, seed=zlib.crc32(code.encode()))]


def train_tokenizer(
    directory: Path, pieces: int, words: list[str], pair: tuple[str, str], input_window: int
) -> MarianTokenizer:
    """A Marian tokenizer as OPUS-MT's: one sentencepiece model (BPE: it reaches an exact size on pseudo words)
    for both sides, and vocab.json with </s> 0, <unk> 1, the pieces, then <pad>."""
    with tempfile.TemporaryDirectory() as scratch:
        corpus, prefix = Path(scratch) / "corpus.txt", Path(scratch) / "spm"
        corpus.write_text("\n".join(sentences(words, max(2000, pieces * 2))))
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(prefix),
            vocab_size=pieces,
            model_type="bpe",
            unk_id=0,
            eos_id=1,
            bos_id=-1,
            pad_id=-1,
            minloglevel=2,
            num_threads=2,
        )
        for side in ("source.spm", "target.spm"):
            shutil.copy(f"{prefix}.model", directory / side)
    model = sentencepiece.SentencePieceProcessor(model_file=str(directory / "source.spm"))
    vocab = {"</s>": 0, "<unk>": 1, **{model.id_to_piece(i): i for i in range(2, model.get_piece_size())}}
    vocab["<pad>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    source, target = pair
    return MarianTokenizer(
        str(directory / "source.spm"),
        str(directory / "target.spm"),
        str(directory / "vocab.json"),
        source_lang=source,
        target_lang=target,
        model_max_length=input_window,
    )


def build_random_marian(
    directory: Path,
    seed: int,
    words: list[str],
    pieces: int,
    pair: tuple[str, str] = ("en", "de"),
    generation: dict = OPUS_MT_GENERATION,
    input_window: int = OPUS_MT_INPUT_WINDOW,
    **shape,
) -> Path:
    """Writes a random-weight MarianMT checkpoint for `pair` with its tokenizer into `directory` and returns it.
    As OPUS-MT's, the decoder starts from <pad> (an all-zero embedding), which it never emits."""
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(directory, pieces, words, pair, input_window)
    pad = tokenizer.pad_token_id
    config = MarianConfig(
        vocab_size=len(tokenizer),
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
        **{**OPUS_MT_ARCHITECTURE, **shape},
    )
    generation = {"bad_words_ids": [[pad]], **generation}
    return save_random_checkpoint(directory, MarianMTModel, config, tokenizer, seed, generation)


def build_opus_mt_shaped(directory: Path, seed: int = 0, pair: tuple[str, str] = ("en", "de"), **changes) -> Path:
    """opus-mt-en-de's architecture, vocabulary size and generation config, for `pair`, with random weights;
    `changes` replace generation settings (max_length, min_length, ...)."""
    return build_random_marian(
        directory,
        seed,
        pair_words(pair, 120_000),
        OPUS_MT_PIECES,
        pair,
        generation={**OPUS_MT_GENERATION, **changes},
        **OPUS_MT_SHAPE,
    )
