"""Observability: textml's batching and engine metrics reach Ray's Prometheus endpoint with values (and the
Grafana dashboard asks for no metric that is not there); logs are JSON lines carrying the request id."""

import json
import re
import time
import uuid
from pathlib import Path

from helpers.http import post
from helpers.metrics import scrape, total
from helpers.paths import ROOT
from helpers.texts import TEXT

DASHBOARD_JSON = ROOT / "deploy" / "grafana" / "textml-dashboard.json"
TEXTML_SERIES = (
    "ray_textml_batch_size_count",
    "ray_textml_queue_wait_seconds_count",
    "ray_textml_engine_seconds_count",
    "ray_textml_generated_tokens_total",
)


def textml_totals(samples) -> dict:
    return {
        (name, deployment): total(samples, name, deployment=deployment, application="text_ml_app")
        for name in TEXTML_SERIES
        for deployment in ("Summarizer", "Translator")
    }


def test_engine_metrics_are_exported_with_values(cluster):
    before = textml_totals(scrape())
    for _ in range(3):
        assert post("/summarize_translate", TEXT).status_code == 200
    deadline = time.monotonic() + 90  # replicas report to the metrics agent every few seconds
    while True:
        samples = scrape()
        added = {key: value - before[key] for key, value in textml_totals(samples).items()}
        if all(added.values()) or time.monotonic() > deadline:
            break
        time.sleep(2)
    print(added)
    # At least this test's 3 requests in each deployment (earlier tests' may still be arriving).
    assert all(value >= 3 for key, value in added.items()), added
    # Tags a dashboard groups by.
    engine_samples = [
        s for s in samples["ray_textml_engine_seconds_count"] if s.labels.get("deployment") == "Translator"
    ]
    assert "ctranslate2" in {s.labels["engine"] for s in engine_samples}
    assert any(s.labels["task"].startswith("translation_en_to_") for s in engine_samples)
    # Half-integer bucket bounds: Ray's mid-bucket sum of batch sizes is a whole number of requests.
    assert total(samples, "ray_textml_batch_size_sum", deployment="Translator").is_integer()

    dashboard = json.loads(DASHBOARD_JSON.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    asked = {name for query in queries for name in re.findall(r"ray_textml_\w+", query)}
    assert asked and asked <= set(samples), asked - set(samples)


def test_dashboard_is_a_grafana_dashboard():
    dashboard = json.loads(DASHBOARD_JSON.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert dashboard["uid"] == "textml" and panels
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["targets"] and all(t["expr"].count("(") == t["expr"].count(")") for t in panel["targets"])
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def json_log_lines(logs: Path, pattern: str) -> list[dict]:
    lines = []
    for log in logs.glob(pattern):
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    return lines


def test_logs_are_json_with_the_request_id(cluster):
    request_id = f"textml-test-{uuid.uuid4()}"
    response = post("/summarize_translate/summarize-translate", {"text": TEXT}, headers={"X-Request-ID": request_id})
    assert response.status_code == 200 and response.headers["x-request-id"] == request_id

    def lines_for(pattern: str) -> list[dict]:
        return [line for line in json_log_lines(cluster.serve_logs, pattern) if line.get("request_id") == request_id]

    deadline = time.monotonic() + 20
    while (
        not (
            lines_for("replica_text_ml_app_Summarizer_*.log")
            and lines_for("replica_text_ml_app_Translator_*.log")
            and lines_for("proxy_*.log")
        )
        and time.monotonic() < deadline
    ):
        time.sleep(1)
    summarizer = lines_for("replica_text_ml_app_Summarizer_*.log")
    translator = lines_for("replica_text_ml_app_Translator_*.log")
    proxy = lines_for("proxy_*.log")
    assert summarizer and translator and proxy, (len(summarizer), len(translator), len(proxy))
    # The access log: the route and its status, in the proxy and in each replica the request passed through.
    assert any(
        "/summarize_translate/summarize-translate" in line["message"] and "200" in line["message"] for line in proxy
    ), proxy
    assert any(
        "/summarize_translate/summarize-translate" in line["message"] and "200" in line["message"]
        for line in translator
    ), translator
    assert any("summarize_many" in line["message"] and "OK" in line["message"] for line in summarizer), summarizer
    for line in summarizer + translator:
        assert {"levelname", "message", "request_id", "deployment", "replica"} <= set(line), line
