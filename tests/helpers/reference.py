"""What a checkpoint gives for a prompt when run directly with transformers, outside Serve:
the answer the service must reproduce."""

from functools import lru_cache

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from textml.serve_config import deployment

DECODING = ("num_beams", "min_length", "max_length")


@lru_cache(maxsize=4)
def _load(model_dir: str):
    return AutoTokenizer.from_pretrained(model_dir), AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()


def reference_generate(model_dir: str, task: str, text: str, **overrides) -> str:
    """Decodes `text` with the checkpoint's own prefix and settings for `task`, then `overrides`."""
    tokenizer, model = _load(model_dir)
    params = dict(model.config.task_specific_params[task])
    prompt = params.pop("prefix") + text
    torch.set_num_threads(1)  # as in a replica
    with torch.inference_mode():
        output = model.generate(**tokenizer([prompt], return_tensors="pt"), **{**params, **overrides})
    return tokenizer.decode(output[0], skip_special_tokens=True)


def decoding_of(config: dict, name: str) -> dict:
    """The decoding settings a text_ml_app deployment's user_config sets."""
    user_config = deployment(config, "text_ml_app", name)["user_config"]
    return {key: user_config[key] for key in DECODING if key in user_config}


def summarize_translate(config: dict, model_dir: str, text: str, language_code: str) -> str:
    """The answer text_ml_app deployed with `config` must give at its root route."""
    return translated(config, model_dir, summarized(config, model_dir, text), language_code)


def translated(config: dict, model_dir: str, text: str, language_code: str) -> str:
    """What the Translator deployed with `config` must answer for `text`."""
    return reference_generate(
        model_dir, f"translation_en_to_{language_code}", text, **decoding_of(config, "Translator")
    )


def summarized(config: dict, model_dir: str, text: str, **lengths) -> str:
    """What the Summarizer deployed with `config` must answer for `text`, with a request's `lengths`."""
    return reference_generate(model_dir, "summarization", text, **{**decoding_of(config, "Summarizer"), **lengths})


LANGUAGE_CODES = {"french": "fr", "german": "de", "romanian": "ro"}


def one_segment(text: str, translation: str) -> list[dict]:
    """The segments of a text that is one sentence, as the API answers them."""
    return [{"source": text, "translation": translation, "start": 0, "end": len(text)}]


def translation_of(config: dict, model_dir: str, text: str, language: str) -> dict:
    """The /translate answer for a one-sentence `text`."""
    translation = translated(config, model_dir, text, LANGUAGE_CODES[language])
    return {
        "translation": translation,
        "language": language,
        "source": "en",
        "pivot": None,
        "segments": one_segment(text, translation),
    }


def summary_of(config: dict, model_dir: str, text: str, **lengths) -> dict:
    """The /summarize answer for a `text` that fits the model's input window."""
    return {"summary": summarized(config, model_dir, text, **lengths), "chunks": 1, "levels": 1}


def summary_translation_of(config: dict, model_dir: str, text: str, language: str) -> dict:
    """The /summarize-translate answer for a `text` that fits the window and whose summary is one sentence."""
    summary = summary_of(config, model_dir, text)
    return {**summary, **translation_of(config, model_dir, summary["summary"], language)}
