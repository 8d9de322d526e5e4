"""The model deployments' user_config: what reconfigure accepts, and the message when it refuses."""

import pytest
from pydantic import ValidationError

from textml.models.settings import SummarizerSettings, TranslatorSettings


def refusal(settings_type, **config) -> str:
    with pytest.raises(ValidationError) as raised:
        settings_type.model_validate(config)
    return str(raised.value)


def test_defaults_are_t5_small_on_ctranslate2_in_french():
    settings = TranslatorSettings()
    assert (settings.model, settings.engine, settings.language, settings.max_batch_size) == (
        "t5-small",
        "ctranslate2",
        "french",
        64,
    )


def test_language_is_a_name_or_code_in_any_case_and_unknown_ones_are_named():
    assert TranslatorSettings(language="GERMAN").language == "german"
    assert TranslatorSettings(language="GERMAN").target == "de"
    assert TranslatorSettings(language="Es").target == "es"
    assert "unknown language 'qq'" in refusal(TranslatorSettings, language="qq")


def test_models_keys_are_pairs_of_codes_or_any_pair():
    settings = TranslatorSettings(models={"EN-de": "/opus-en-de", "deu-fra": "/opus-de-fr", "*": "/nllb"})
    assert settings.models == {"en-de": "/opus-en-de", "de-fr": "/opus-de-fr", "*": "/nllb"}
    assert settings.checkpoints() == {"/opus-en-de", "/opus-de-fr", "/nllb"}
    assert TranslatorSettings(model="/t5").served_models() == {"*": "/t5"}
    assert "neither a language pair SRC-TGT (e.g. en-de) nor *" in refusal(TranslatorSettings, models={"en_de": "/m"})
    assert "unknown language 'qq'" in refusal(TranslatorSettings, models={"en-qq": "/m"})
    assert "translates a language into itself" in refusal(TranslatorSettings, models={"en-eng": "/m"})
    assert "names no checkpoint" in refusal(TranslatorSettings, models={"en-de": " "})
    assert "models is empty" in refusal(TranslatorSettings, models={})
    assert "max_loaded_models" in refusal(TranslatorSettings, max_loaded_models=0)


def test_misspelt_keys_and_bad_values_are_named():
    assert "max_lenght" in refusal(SummarizerSettings, max_lenght=20)
    assert "min_length 9 is above max_length 3" in refusal(SummarizerSettings, min_length=9, max_length=3)
    assert "compute_type is a CTranslate2 setting" in refusal(
        SummarizerSettings, engine="transformers", compute_type="int8"
    )
    assert "engine" in refusal(SummarizerSettings, engine="onnx")
    assert "max_jobs_per_request" in refusal(SummarizerSettings, max_jobs_per_request=0)


def test_only_engine_inputs_reload_every_loaded_model():
    """Another checkpoint is one more model to load; another engine or compute type reloads them all."""
    before = SummarizerSettings(model="/m", max_batch_size=8, min_length=5)
    after = SummarizerSettings(model="/m", max_batch_size=4, min_length=6, num_beams=2)
    assert before.engine_inputs() == after.engine_inputs()
    assert SummarizerSettings(model="/other").engine_inputs() == before.engine_inputs()
    assert SummarizerSettings(model="/other").checkpoints() == {"/other"}
    assert SummarizerSettings(model="/m", compute_type="float32").engine_inputs() != before.engine_inputs()
    assert after.decoding_overrides() == {"num_beams": 2, "min_length": 6}
