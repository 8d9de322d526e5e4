"""text_ml_app end to end over HTTP: the summary of a text, translated, as the checkpoint itself gives it."""

import copy

import pytest
import yaml

from reference import summarize_translate
from serve_cluster import DASHBOARD, post, run
from textml.serve_config import deployment

TEXT = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief")


def summary_lengths(config: dict) -> dict:
    user_config = deployment(config, "text_ml_app", "Summarizer")["user_config"]
    return {key: user_config[key] for key in ("min_length", "max_length")}


def with_translator(config: dict, **user_config) -> dict:
    changed = copy.deepcopy(config)
    deployment(changed, "text_ml_app", "Translator")["user_config"].update(user_config)
    return changed


def test_summarize_translate_gives_the_models_french(cluster, base_config, tiny_models):
    response = post("/summarize_translate", TEXT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    expected = summarize_translate(tiny_models[0], TEXT, "fr", summary_lengths(base_config))
    assert expected and response.text == expected


def test_language_switch_applies_in_place(cluster, base_config, tiny_models, redeploy):
    translator = cluster.replicas("text_ml_app", "Translator")
    answers = {"fr": post("/summarize_translate", TEXT).text}
    for language, code in (("German", "de"), ("ROMANIAN", "ro")):
        redeploy(with_translator(base_config, language=language))
        answers[code] = post("/summarize_translate", TEXT).text
        assert answers[code] == summarize_translate(tiny_models[0], TEXT, code, summary_lengths(base_config))
        assert cluster.replicas("text_ml_app", "Translator") == translator
    # The task prefix reached the model: each language gives its own answer.
    assert len(set(answers.values())) == 3, answers


def test_unknown_language_is_rejected_by_name(cluster, base_config, redeploy):
    cluster.submit(with_translator(base_config, language="klingon"))
    cluster.wait_for_status("text_ml_app", "DEPLOY_FAILED")
    status = yaml.safe_load(run("serve", "status", "-a", DASHBOARD).stdout)["applications"]["text_ml_app"]
    message = status["message"] + str(status["deployments"]["Translator"].get("message", ""))
    assert "unknown language 'klingon'" in message, status
    # Requests are answered at once (503, naming the failed deployment), never left hanging.
    response = post("/summarize_translate", TEXT, timeout=10)
    assert response.status_code == 503 and "Translator" in response.text
    # The redeploy fixture then deploys the committed config, which must answer again.


def test_model_change_reloads_weights_in_place(cluster, base_config, tiny_models, redeploy):
    translator = cluster.replicas("text_ml_app", "Translator")
    summarizer = cluster.replicas("text_ml_app", "Summarizer")
    before = post("/summarize_translate", TEXT).text

    changed = copy.deepcopy(base_config)
    for name in ("Translator", "Summarizer"):
        deployment(changed, "text_ml_app", name)["user_config"]["model"] = tiny_models[1]
    redeploy(changed)

    after = post("/summarize_translate", TEXT).text
    assert after == summarize_translate(tiny_models[1], TEXT, "fr", summary_lengths(base_config))
    assert after != before
    assert cluster.replicas("text_ml_app", "Translator") == translator
    assert cluster.replicas("text_ml_app", "Summarizer") == summarizer
