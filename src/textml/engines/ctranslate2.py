"""The fast engine: CTranslate2, int8 on CPU and float16 on GPU, on a checkpoint converted once and cached."""

import ctranslate2
from transformers import AutoConfig, AutoTokenizer, GenerationConfig

from textml.engines import Generated
from textml.engines.checkpoints import LOCAL_FIX, one_line
from textml.engines.conversion import converted_model, default_compute_type
from textml.engines.families import PLAIN, Task
from textml.engines.tokens import TokenizedEngine
from textml.exceptions import ModelLoadError

DECODING_KEYS = {"num_beams", "min_length", "max_length", "length_penalty", "no_repeat_ngram_size", "early_stopping"}


def ctranslate2_options(decoding: dict, defaults: GenerationConfig) -> dict:
    """Hugging Face decoding settings as CTranslate2's translate_batch options."""
    unknown = set(decoding) - DECODING_KEYS
    if unknown:
        raise ValueError(f"CTranslate2 engine has no decoding setting {sorted(unknown)}")
    setting = lambda name: decoding.get(name, getattr(defaults, name))  # noqa: E731
    return {
        "beam_size": setting("num_beams") or 1,
        # Hugging Face's lengths count the decoder start token; CTranslate2's do not.
        "max_decoding_length": setting("max_length") - 1,
        "min_decoding_length": max(0, (setting("min_length") or 0) - 1),
        "length_penalty": setting("length_penalty") or 1.0,
        "no_repeat_ngram_size": setting("no_repeat_ngram_size") or 0,
    }


class CTranslate2Engine(TokenizedEngine):
    def __init__(self, model: str, threads: int = 1, compute_type: str | None = None):
        self.model = model
        compute_type = compute_type or default_compute_type()
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.config = AutoConfig.from_pretrained(model)
        self._set_family(self.config)
        try:
            self.defaults = GenerationConfig.from_pretrained(model)
        except OSError:  # checkpoints without generation_config.json
            self.defaults = GenerationConfig.from_model_config(self.config)
        try:
            converted = converted_model(model, compute_type)
        except Exception as error:
            why = f"CTranslate2 could not convert it ({one_line(error)})"
            raise ModelLoadError(
                model, why, f"try `engine: transformers` in its user_config, or {LOCAL_FIX}"
            ) from error
        self.translator = ctranslate2.Translator(
            str(converted),
            device="cuda" if ctranslate2.get_cuda_device_count() else "cpu",
            compute_type=compute_type,
            intra_threads=threads,
            inter_threads=1,
        )

    def generate(
        self, texts: list[str], max_batch_tokens: int | None = None, task: Task = PLAIN, **decoding
    ) -> Generated:
        sources = [self.tokenizer.convert_ids_to_tokens(ids) for ids in self.encoded(texts, task)]
        # The output starts with the task's token: the target language (NLLB, M2M100), <s> (BART).
        if task.target_token:
            language_prefix = {"target_prefix": [[task.target_token]] * len(sources)}
        else:
            language_prefix = {}
        # With a token budget CTranslate2 sorts the batch by length and decodes it in pieces of at most that
        # many tokens, so short inputs are not padded to the longest. max_input_length 0: never truncate.
        split = {"max_batch_size": max_batch_tokens, "batch_type": "tokens"} if max_batch_tokens else {}
        results = self.translator.translate_batch(
            sources, max_input_length=0, **split, **language_prefix, **ctranslate2_options(decoding, self.defaults)
        )
        outputs = [result.hypotheses[0] for result in results]
        texts = [
            self.tokenizer.decode(self.tokenizer.convert_tokens_to_ids(tokens), skip_special_tokens=True)
            for tokens in outputs
        ]
        return Generated(texts, tokens=sum(map(len, outputs)))
