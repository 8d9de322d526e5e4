"""The `textml` command, driven as a user types it: up, status, translate, summarize, down, bench and their
one-line errors."""

import json
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml

from helpers.cluster import BIN, DASHBOARD, HOST, PROXY, cluster_env, seconds_until
from helpers.config import TEXT_ML, changed, with_translator
from helpers.http import answer_of_a_failed_deployment
from helpers.paths import SERVE_CONFIG
from helpers.prose import document
from helpers.reference import summarized, summary_translation_of, translated
from helpers.texts import TEXT

URL = f"{PROXY}/summarize_translate"


def textml(*args: str, stdin: str | None = None, timeout: float = 600, env: dict | None = None):
    return subprocess.run(
        [str(BIN / "textml"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**cluster_env(), **(env or {})},
    )


def one_line_error(result) -> str:
    """The error, one line; progress lines before it (a line every 5 s while the client retries a service that
    is not there, for RETRY_BUDGET_S) are progress, not the error."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not re.match(r"(translating|summarizing)\b", line)]
    assert len(lines) == 1 and lines[0].startswith("textml: "), result.stderr
    return lines[0]


@pytest.fixture
def config_file(tmp_path, base_config):
    def write(config: dict = base_config) -> str:
        path = tmp_path / "serve_config.yaml"
        path.write_text(yaml.safe_dump(config))
        return str(path)

    return write


@pytest.fixture
def state(tmp_path) -> dict:
    """Where `up` notes a Ray cluster it started: a file of this test's own."""
    return {"TEXTML_STATE": str(tmp_path / "up.json")}


def test_up_deploys_and_prints_the_urls(cluster, config_file, state):
    result = textml("up", "--config", config_file(), "--address", DASHBOARD, env=state)
    assert result.returncode == 0, result.stderr
    assert "RUNNING" in result.stdout and "Translator" in result.stdout
    for url in (f"fruit_app: {PROXY}/fruit", f"text_ml_app: {URL}", f"API docs: {URL}/docs", "gRPC: 127.0.0.1:29000"):
        assert url in result.stdout, result.stdout
    assert not Path(state["TEXTML_STATE"]).exists(), "up noted a cluster it did not start"


def test_up_refuses_a_bad_config_before_deploying(cluster, base_config, config_file):
    bad = with_translator(base_config, language="xx")
    error = one_line_error(textml("up", "--config", config_file(bad), "--address", DASHBOARD))
    assert "user_config.language" in error and "unknown language 'xx'" in error, error
    assert requests.post(f"{URL}/translate", json={"text": TEXT}, timeout=60).json()["language"] == "french"
    assert "no Serve config at nowhere.yaml" in one_line_error(textml("up", "--config", "nowhere.yaml"))
    schema_error = changed(base_config, TEXT_ML, "Translator", num_replicas=-1)
    error = one_line_error(textml("up", "--config", config_file(schema_error)))
    assert "applications.0.deployments.0.num_replicas" in error and "greater than 0" in error, error


def test_up_refuses_a_missing_model_directory_before_deploying(cluster, config_file):
    result = textml("up", "--config", config_file(), "--model", "/nonexistent/model", "--address", DASHBOARD)
    error = one_line_error(result)
    assert error.startswith("textml: cannot load model '/nonexistent/model': there is no directory"), error
    assert "deployed" not in result.stdout


def test_up_reports_a_model_that_cannot_load_at_its_first_failure(cluster, config_file, redeploy):
    """The replicas run offline (HF_HUB_OFFLINE=1) and the id is in no cache: each replica fails at once, and
    `up` says why without waiting for Serve's retries. Then Serve's own 503 or 408 (which can't say why) and `textml
    status` (which can)."""
    started = time.monotonic()
    result = textml("up", "--config", config_file(), "--model", "textml-tests/never-downloaded", "--address", DASHBOARD)
    reported_s = time.monotonic() - started
    error = one_line_error(result)
    assert error.startswith("textml: text_ml_app failed to deploy: "), error
    assert "cannot load model 'textml-tests/never-downloaded': HF_HUB_OFFLINE is set" in error, error
    assert "textml model random DIR" in error and reported_s < 60, (reported_s, error)
    failed_s = seconds_until(
        lambda: cluster.details()["applications"]["text_ml_app"]["status"] == "DEPLOY_FAILED", 120, "DEPLOY_FAILED"
    )
    answer_of_a_failed_deployment("/summarize_translate", "It was the best of times")
    assert "HF_HUB_OFFLINE is set and textml-tests/never-downloaded" in textml("status", "--address", DASHBOARD).stdout
    print(f"\nup reported the failure in {reported_s:.1f} s; DEPLOY_FAILED {failed_s:.1f} s later")


def test_status_shows_applications_deployments_replicas(cluster):
    result = textml("status", "--address", DASHBOARD)
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[3].strip(): line for line in result.stdout.splitlines() if line.count("│") > 5}
    for name in ("Summarizer", "Translator", "MangoStand", "Router"):
        assert "HEALTHY" in rows[name] and "1/1" in rows[name], result.stdout
    assert "text_ml_app" in result.stdout and "RUNNING" in result.stdout


def test_translate_and_summarize(cluster, base_config, tiny_models):
    model = tiny_models[0]
    result = textml("translate", TEXT, "--language", "german", "--url", URL)
    assert result.returncode == 0 and result.stdout == translated(base_config, model, TEXT, "de") + "\n", result
    # From stdin.
    result = textml("summarize", "--max-length", "6", "--url", URL, stdin=TEXT)
    assert result.stdout == summarized(base_config, model, TEXT, max_length=6) + "\n", result
    result = textml("summarize", TEXT, "--translate", "romanian", "--json", "--url", URL)
    assert json.loads(result.stdout) == summary_translation_of(base_config, model, TEXT, "romanian")


def test_a_file_is_translated_whole_in_pieces(cluster, tmp_path):
    """The command sends a long file in pieces of whole paragraphs; the answer is the one the whole text gets."""
    text = document(25_000)
    article = tmp_path / "article.txt"
    article.write_text(text)
    result = textml("translate", "--file", str(article), "--json", "--url", URL)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == requests.post(f"{URL}/translate", json={"text": text}, timeout=300).json()
    assert (
        textml("translate", "--file", str(article), "--url", URL).stdout
        == json.loads(result.stdout)["translation"] + "\n"
    )


def test_client_errors_are_one_line(cluster):
    error = one_line_error(textml("translate", TEXT, "--language", "klingon", "--url", URL))
    assert "422" in error and "no model translates en-tlh (English to Klingon)" in error
    error = one_line_error(textml("translate", TEXT, "--url", "http://127.0.0.1:9/summarize_translate"))
    assert "nothing answers at http://127.0.0.1:9/summarize_translate/translate" in error
    assert "no Ray dashboard answers at http://127.0.0.1:9" in one_line_error(
        textml("status", "--address", "http://127.0.0.1:9")
    )
    assert "--min-length/--max-length" in one_line_error(
        textml("summarize", TEXT, "--translate", "--max-length", "5", "--url", URL)
    )


def test_down_deletes_the_applications(cluster, redeploy, state):
    result = textml("down", "--address", DASHBOARD, env=state)
    assert result.returncode == 0, result.stderr
    assert cluster.details()["applications"] == {}
    assert "stopped" not in result.stdout  # the tests' cluster was not started by `up`
    # The redeploy fixture deploys the committed config again.


def test_bench_runs_the_benchmark(tmp_path, tiny_models):
    result = textml(
        "bench",
        "--model",
        tiny_models[0],
        "--seconds",
        "2",
        "--clients",
        "2",
        "--systems",
        "short",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = (tmp_path / "results.md").read_text()
    assert "| [short] (c) textml /translate | 2 |" in report and (tmp_path / "throughput.png").stat().st_size > 0
    # The raw engine at its best, two streams among the ways tried.
    assert "| CTranslate2 int8, 2 streams x 1 thread | short | 64 |" in report


def _answers(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.before_cluster
def test_up_starts_a_local_ray_and_down_stops_it(tmp_path, state):
    if _answers(8265) or _answers(6379):
        pytest.skip("a Ray cluster already runs on the default ports; `textml down` would stop it")
    samples = yaml.safe_load(SERVE_CONFIG.read_text())
    samples["applications"] = [a for a in samples["applications"] if a["name"] != "text_ml_app"]
    samples.pop("grpc_options")
    samples["http_options"].update(host=HOST, port=28100)
    config = tmp_path / "samples.yaml"
    config.write_text(yaml.safe_dump(samples))
    try:
        result = textml("up", "--config", str(config), env=state)
        assert result.returncode == 0, result.stderr
        assert "starting one" in result.stdout and "math_app: http://127.0.0.1:28100/calc" in result.stdout
        assert requests.post(f"http://{HOST}:28100/fruit", json=["MANGO", 2], timeout=30).json() == 6
        assert "fruit_app" in textml("status", env=state).stdout
    finally:
        result = textml("down", env=state)
    assert result.returncode == 0, result.stderr
    assert "stopped the Ray cluster" in result.stdout and not _answers(8265)
