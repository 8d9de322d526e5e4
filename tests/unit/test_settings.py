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


def test_language_is_any_case_and_unknown_ones_are_named():
    assert TranslatorSettings(language="GERMAN").language == "german"
    assert "unknown language 'klingon': choose one of french, german, romanian" in refusal(
        TranslatorSettings, language="klingon"
    )


def test_misspelt_keys_and_bad_values_are_named():
    assert "max_lenght" in refusal(SummarizerSettings, max_lenght=20)
    assert "min_length 9 is above max_length 3" in refusal(SummarizerSettings, min_length=9, max_length=3)
    assert "compute_type is a CTranslate2 setting" in refusal(
        SummarizerSettings, engine="transformers", compute_type="int8"
    )
    assert "engine" in refusal(SummarizerSettings, engine="onnx")
    assert "max_jobs_per_request" in refusal(SummarizerSettings, max_jobs_per_request=0)


def test_only_engine_inputs_reload_the_weights():
    before = SummarizerSettings(model="/m", max_batch_size=8, min_length=5)
    after = SummarizerSettings(model="/m", max_batch_size=4, min_length=6, num_beams=2)
    assert before.engine_inputs() == after.engine_inputs()
    assert SummarizerSettings(model="/other").engine_inputs() != before.engine_inputs()
    assert after.decoding_overrides() == {"num_beams": 2, "min_length": 6}
