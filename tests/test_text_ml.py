"""text_ml_app end to end over HTTP: the summary of a text, translated, as the checkpoint itself gives it."""

import copy

import yaml

from reference import summarize_translate
from serve_cluster import DASHBOARD, post, run
from textml.serve_config import deployment


TEXT = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief")


def with_translator(config: dict, **user_config) -> dict:
    changed = copy.deepcopy(config)
    deployment(changed, "text_ml_app", "Translator")["user_config"].update(user_config)
    return changed


def test_summarize_translate_gives_the_models_french(cluster, base_config, tiny_models):
    response = post("/summarize_translate", TEXT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    expected = summarize_translate(base_config, tiny_models[0], TEXT, "fr")
    assert expected and response.text == expected


def test_language_switch_applies_in_place(cluster, base_config, tiny_models, redeploy):
    translator = cluster.replicas("text_ml_app", "Translator")
    answers = {"fr": post("/summarize_translate", TEXT).text}
    for language, code in (("German", "de"), ("ROMANIAN", "ro")):
        redeploy(with_translator(base_config, language=language))
        answers[code] = post("/summarize_translate", TEXT).text
        assert answers[code] == summarize_translate(base_config, tiny_models[0], TEXT, code)
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
    assert after == summarize_translate(base_config, tiny_models[1], TEXT, "fr")
    assert after != before
    assert cluster.replicas("text_ml_app", "Translator") == translator
    assert cluster.replicas("text_ml_app", "Summarizer") == summarizer


def with_model_settings(config: dict, **settings) -> dict:
    """`settings` set on both model deployments; a None value removes the key."""
    changed = copy.deepcopy(config)
    for name in ("Translator", "Summarizer"):
        user_config = deployment(changed, "text_ml_app", name)["user_config"]
        user_config.update(settings)
        for key in [k for k, v in user_config.items() if v is None]:
            del user_config[key]
    return changed


def test_engine_switch_to_transformers_in_place(cluster, base_config, tiny_models, redeploy):
    """The reference engine, with the checkpoint's own beam search (num_beams 4)."""
    translator = cluster.replicas("text_ml_app", "Translator")
    changed = with_model_settings(base_config, engine="transformers", compute_type=None, num_beams=None)
    redeploy(changed)
    assert post("/summarize_translate", TEXT).text == summarize_translate(changed, tiny_models[0], TEXT, "fr")
    assert cluster.replicas("text_ml_app", "Translator") == translator


def test_default_int8_engine_serves(cluster, base_config, redeploy):
    """The committed default: CTranslate2 int8 with the checkpoint's beam search."""
    redeploy(with_model_settings(base_config, compute_type=None, num_beams=None))
    response = post("/summarize_translate", TEXT)
    assert response.status_code == 200 and response.text.strip(), response.text


def replica_log_lines(cluster, deployment_name: str, words: str) -> list[str]:
    """Lines with `words` in the Serve log files of the deployment's current replicas."""
    replicas = cluster.details()["applications"]["text_ml_app"]["deployments"][deployment_name]["replicas"]
    logs = [cluster.serve_logs / f"replica_text_ml_app_{deployment_name}_{r['replica_id']}.log" for r in replicas]
    return [line for log in logs for line in log.read_text().splitlines() if words in line]


def test_engine_uses_the_threads_the_replica_reserves(cluster, base_config, redeploy):
    # The committed num_cpus (0.4) reserves part of one CPU: one thread.
    assert replica_log_lines(cluster, "Translator", "on 1 CPU threads")
    changed = copy.deepcopy(base_config)
    deployment(changed, "text_ml_app", "Translator")["ray_actor_options"]["num_cpus"] = 2
    redeploy(changed)
    assert replica_log_lines(cluster, "Translator", "on 2 CPU threads")
