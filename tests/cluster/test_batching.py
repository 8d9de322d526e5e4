"""Dynamic batching: requests that need different settings share one batch and each get their own answer.

Each deployment is given max_batch_size N and a 30 s batch wait: a batch then starts only once N requests
are in it, so N concurrent requests that all finish well inside 30 s were decoded as one batch.
"""

from ray import serve

from helpers.config import with_models
from helpers.reference import decoding_of, reference_generate
from textml.languages.catalog import Step

TEXTS = [
    "It was the best of times",
    "it was the age of wisdom, it was the age of foolishness",
    "we had everything before us, we had nothing before us",
]
BATCH_WAIT_S = 30


def batched(config: dict, max_batch_size: int) -> dict:
    return with_models(config, max_batch_size=max_batch_size, batch_wait_timeout_s=BATCH_WAIT_S)


def test_one_batch_of_different_languages(base_config, tiny_models, redeploy, driver):
    requests = [(text, language) for text in TEXTS for language in ("french", "german", "romanian")]
    config = batched(base_config, max_batch_size=len(requests))
    redeploy(config)
    translator = serve.get_deployment_handle("Translator", app_name="text_ml_app")
    codes = {"french": "fr", "german": "de", "romanian": "ro"}
    responses = [
        translator.translate_many.remote([text], (Step("en", codes[language], tiny_models[0]),))
        for text, language in requests
    ]
    answers = [response.result(timeout_s=BATCH_WAIT_S - 10)[0].translation for response in responses]
    for (text, language), answer in zip(requests, answers, strict=True):
        assert answer == reference_generate(
            tiny_models[0], f"translation_en_to_{codes[language]}", text, **decoding_of(config, "Translator")
        )


def test_one_batch_of_different_lengths(base_config, tiny_models, redeploy, driver):
    lengths = [3, 6, 9, 12]
    config = batched(base_config, max_batch_size=len(lengths))
    redeploy(config)
    summarizer = serve.get_deployment_handle("Summarizer", app_name="text_ml_app")
    responses = [summarizer.summarize_many.remote([TEXTS[1]], min_length=n, max_length=n) for n in lengths]
    answers = [response.result(timeout_s=BATCH_WAIT_S - 10)[0].summary for response in responses]
    greedy = {"num_beams": decoding_of(config, "Summarizer")["num_beams"]}
    for n, answer in zip(lengths, answers, strict=True):
        assert answer == reference_generate(
            tiny_models[0], "summarization", TEXTS[1], min_length=n, max_length=n, **greedy
        )
    assert len(set(answers)) == len(lengths)
