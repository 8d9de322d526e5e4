"""A burst far beyond capacity gets fast 503s with Retry-After instead of unbounded queueing; every
accepted request succeeds, the replica's memory stays bounded, and the service is healthy afterwards."""

import copy
import threading
from collections import Counter
from pathlib import Path

import requests

from reference import summarize_translate
from serve_cluster import PROXY, post
from test_text_ml import TEXT
from textml.serve_config import deployment

BURST = 150


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_burst_beyond_capacity(cluster, base_config, tiny_models, redeploy):
    config = copy.deepcopy(base_config)
    for name in ("Summarizer", "Translator"):
        deployment(config, "text_ml_app", name).update(max_ongoing_requests=4, max_queued_requests=8)
    redeploy(config)
    [(_, summarizer_pid)] = cluster.replicas("text_ml_app", "Summarizer")
    expected = summarize_translate(config, tiny_models[0], TEXT, "fr")
    memory_before = rss_mib(summarizer_pid)

    outcomes, retry_after, wrong = Counter(), Counter(), []
    start = threading.Barrier(BURST)

    def one_request():
        start.wait()
        response = requests.post(f"{PROXY}/summarize_translate", json=TEXT, timeout=60)
        outcomes[response.status_code] += 1
        if response.status_code == 503:
            retry_after[response.headers.get("retry-after")] += 1
        elif response.status_code == 200 and response.text != expected:
            wrong.append(response.text)

    threads = [threading.Thread(target=one_request) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    memory_after = rss_mib(summarizer_pid)
    print(f"burst of {BURST}: {dict(outcomes)}; Retry-After {dict(retry_after)}; Summarizer RSS "
          f"{memory_before:.0f} -> {memory_after:.0f} MiB")

    assert set(outcomes) <= {200, 503}, outcomes
    assert outcomes[503] > 0, "nothing was refused: the burst did not exceed the queue"
    assert outcomes[200] >= 4, outcomes
    assert retry_after == Counter({"1": outcomes[503]}), retry_after
    assert not wrong, wrong[:3]
    assert memory_after - memory_before < 100, "the replica's memory grew with the burst"
    assert post("/summarize_translate", TEXT).text == expected
