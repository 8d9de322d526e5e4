"""What the random-weight checkpoints share: pseudo words for their tokenizers to learn, and a network with
random weights that never emits what a trained one never would, saved with its tokenizer and generation config.

Random weights never choose to stop, so callers pin output lengths (min_length == max_length).
"""

import random
from pathlib import Path

import torch
from transformers import GenerationConfig, PretrainedConfig, PreTrainedModel
from transformers.initialization import no_init_weights

from textml.engines.checkpoints import RANDOM_WEIGHTS_FIELD

# How much quieten() scales a token's row: enough that it no longer wins the output (measured on NLLB's shape).
QUIET = 0.1
SYLLABLES = "ka to ri me su lo na be de fi gu ha ji ku ly mo pe qu ra si ta un vo wa xe yo za an el or is ut".split()


def pseudo_words(count: int, seed: int = 0) -> list[str]:
    """`count` words of 1 to 4 syllables (repeats included: a word list with a natural-ish frequency skew)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(count)]


def distinct_words(count: int, seed: int = 0) -> list[str]:
    """`count` different words of 1 to 5 syllables: enough distinct text for vocabularies of 250,000 pieces."""
    rng = random.Random(seed)
    words: dict[str, None] = {}  # an ordered set: the same seed gives the same list
    while len(words) < count:
        words["".join(rng.choices(SYLLABLES, k=rng.randint(1, 5)))] = None
    return list(words)


def sentences(words: list[str], count: int, seed: int = 0) -> list[str]:
    """`count` lines of 5 to 20 words drawn from `words`."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(5, 20))) for _ in range(count)]


def every_word_twice(words: list[str], seed: int = 0) -> list[str]:
    """Lines holding each of `words` twice, so a BPE trainer (pairs seen at least twice) can learn them all."""
    rng = random.Random(seed)
    lines = []
    for _ in range(2):
        shuffled = words[:]
        rng.shuffle(shuffled)
        lines += [" ".join(shuffled[start : start + 20]) for start in range(0, len(shuffled), 20)]
    return lines


def random_network(model_class: type[PreTrainedModel], config: PretrainedConfig, seed: int) -> PreTrainedModel:
    """`model_class(config)` with weights drawn as transformers draws them (config.init_std), each tensor once:
    transformers' own init draws tied embeddings and sub-models again and again (34 s for NLLB-600M's shape,
    7 s this way)."""
    torch.manual_seed(seed)
    with no_init_weights():
        model = model_class(config)
    model.tie_weights()
    with torch.no_grad():
        for module in model.modules():
            model._init_weights(module)
            # transformers' init functions skip a tensor so marked: a tied one is drawn once.
            for parameter in module.parameters(recurse=False):
                parameter._is_hf_initialized = True
    return model


def silence(model: PreTrainedModel, token_ids: list[int], tokenizer_size: int):
    """Zeroes the output rows of `token_ids` and of every id past the tokenizer: their logit (0, plus a bias
    transformers and CTranslate2 keep at 0) always loses to the largest random one, so neither engine emits them,
    as a trained model never emits <pad> mid-sentence."""
    with torch.no_grad():
        rows = model.get_output_embeddings().weight
        rows[token_ids] = 0
        rows[tokenizer_size:] = 0


def quieten(model: PreTrainedModel, token_ids: list[int], factor: float = QUIET):
    """Scales down the rows of `token_ids` in the output embedding, which the input shares (tied): random
    weights given such a token (NLLB's forced target language) otherwise echo it for ever, as a trained model
    never does; scaled, it is still read, so the output still depends on it."""
    with torch.no_grad():
        model.get_output_embeddings().weight[token_ids] *= factor


def save_random_checkpoint(
    directory: Path,
    model_class: type[PreTrainedModel],
    config: PretrainedConfig,
    tokenizer,
    seed: int,
    generation: dict,
    silent: list[int] | tuple[int, ...] = (),
    quiet: list[int] | tuple[int, ...] = (),
) -> Path:
    """Writes `model_class` with random weights, marked as such in config.json, with `tokenizer` and
    `generation` (generation_config.json) into `directory`, and returns it; neither <pad> nor the `silent` ids
    are ever emitted, the `quiet` ones seldom (quieten)."""
    setattr(config, RANDOM_WEIGHTS_FIELD, True)
    model = random_network(model_class, config, seed)
    silence(model, [config.pad_token_id, *silent], len(tokenizer))
    quieten(model, list(quiet))
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
        decoder_start_token_id=config.decoder_start_token_id,
        **generation,
    )
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
