"""text_ml_app end to end over HTTP: the summary of a text, translated, as the checkpoint itself gives it."""

import yaml

from helpers.cluster import DASHBOARD, run
from helpers.config import TEXT_ML, changed, with_models, with_translator
from helpers.http import answer_of_a_failed_deployment, post
from helpers.reference import summarize_translate
from helpers.texts import TEXT


def test_summarize_translate_gives_the_models_french(cluster, base_config, tiny_models):
    response = post("/summarize_translate", TEXT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    expected = summarize_translate(base_config, tiny_models[0], TEXT, "fr")
    assert expected and response.text == expected


def test_language_switch_applies_in_place(cluster, base_config, tiny_models, redeploy):
    translator = cluster.replicas(TEXT_ML, "Translator")
    answers = {"fr": post("/summarize_translate", TEXT).text}
    for language, code in (("German", "de"), ("ROMANIAN", "ro")):
        redeploy(with_translator(base_config, language=language))
        answers[code] = post("/summarize_translate", TEXT).text
        assert answers[code] == summarize_translate(base_config, tiny_models[0], TEXT, code)
        assert cluster.replicas(TEXT_ML, "Translator") == translator
    # The task prefix reached the model: each language gives its own answer.
    assert len(set(answers.values())) == 3, answers


def test_unknown_language_is_rejected_by_name(cluster, base_config, redeploy):
    cluster.submit(with_translator(base_config, language="klingon"))
    cluster.wait_for_status(TEXT_ML, "DEPLOY_FAILED")
    status = yaml.safe_load(run("serve", "status", "-a", DASHBOARD).stdout)["applications"][TEXT_ML]
    message = status["message"] + str(status["deployments"]["Translator"].get("message", ""))
    assert "user_config language 'klingon' is no target of the configured models" in message, status
    # Requests are answered (503 naming the failed deployment, or Serve's 408), never left hanging.
    answer_of_a_failed_deployment("/summarize_translate", TEXT)
    # The redeploy fixture then deploys the committed config, which must answer again.


def test_model_change_reloads_weights_in_place(cluster, base_config, tiny_models, redeploy):
    translator = cluster.replicas(TEXT_ML, "Translator")
    summarizer = cluster.replicas(TEXT_ML, "Summarizer")
    before = post("/summarize_translate", TEXT).text

    redeploy(with_models(base_config, model=tiny_models[1]))

    after = post("/summarize_translate", TEXT).text
    assert after == summarize_translate(base_config, tiny_models[1], TEXT, "fr")
    assert after != before
    assert cluster.replicas(TEXT_ML, "Translator") == translator
    assert cluster.replicas(TEXT_ML, "Summarizer") == summarizer


def test_engine_switch_to_transformers_in_place(cluster, base_config, tiny_models, redeploy):
    """The reference engine, with the checkpoint's own beam search (num_beams 4)."""
    translator = cluster.replicas(TEXT_ML, "Translator")
    config = with_models(base_config, engine="transformers", compute_type=None, num_beams=None)
    redeploy(config)
    assert post("/summarize_translate", TEXT).text == summarize_translate(config, tiny_models[0], TEXT, "fr")
    assert cluster.replicas(TEXT_ML, "Translator") == translator


def test_default_int8_engine_serves(cluster, base_config, redeploy):
    """The committed default: CTranslate2 int8 with the checkpoint's beam search."""
    redeploy(with_models(base_config, compute_type=None, num_beams=None))
    response = post("/summarize_translate", TEXT)
    assert response.status_code == 200 and response.text.strip(), response.text


def replica_log_lines(cluster, deployment_name: str, words: str) -> list[str]:
    """Lines with `words` in the Serve log files of the deployment's current replicas."""
    replicas = cluster.details()["applications"][TEXT_ML]["deployments"][deployment_name]["replicas"]
    logs = [cluster.serve_logs / f"replica_text_ml_app_{deployment_name}_{r['replica_id']}.log" for r in replicas]
    return [line for log in logs for line in log.read_text().splitlines() if words in line]


def test_engine_uses_the_threads_the_replica_reserves(cluster, base_config, redeploy):
    # The committed num_cpus (0.4) reserves part of one CPU: one thread.
    assert replica_log_lines(cluster, "Translator", "on 1 CPU threads")
    redeploy(changed(base_config, TEXT_ML, "Translator", ray_actor_options={"num_cpus": 2}))
    assert replica_log_lines(cluster, "Translator", "on 2 CPU threads")
