"""Editing a Serve config for one test: every function returns a changed copy."""

import copy

from textml.serve_config import deployment

TEXT_ML = "text_ml_app"
MODEL_DEPLOYMENTS = ("Translator", "Summarizer")
# CTranslate2 in float32, greedy: its tokens equal transformers' (tests/unit/test_engines.py), so every
# answer can be checked against the checkpoint run directly.
CHECKABLE = {"compute_type": "float32", "num_beams": 1}


def changed(config: dict, app: str, name: str, *, user_config: dict | None = None, **options) -> dict:
    """`config` with deployment `name` of `app` given `options`, and `user_config` merged into its own
    (a None value removes that key)."""
    config = copy.deepcopy(config)
    entry = deployment(config, app, name)
    entry.update(options)
    if user_config is not None:
        merged = {**entry.get("user_config", {}), **user_config}
        entry["user_config"] = {key: value for key, value in merged.items() if value is not None}
    return config


def with_models(config: dict, **user_config) -> dict:
    """`config` with `user_config` merged into both model deployments of text_ml_app."""
    for name in MODEL_DEPLOYMENTS:
        config = changed(config, TEXT_ML, name, user_config=user_config)
    return config


def with_translator(config: dict, **user_config) -> dict:
    return changed(config, TEXT_ML, "Translator", user_config=user_config)
