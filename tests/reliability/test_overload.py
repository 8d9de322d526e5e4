"""A burst far beyond capacity gets fast 503s with Retry-After instead of unbounded queueing; every
accepted request succeeds, the replica's memory stays bounded, and the service is healthy afterwards."""

import threading
from collections import Counter

import requests

from helpers.cluster import PROXY
from helpers.config import TEXT_ML, changed
from helpers.http import post
from helpers.processes import rss_mib
from helpers.reference import summarize_translate
from helpers.texts import TEXT

BURST = 150


def test_burst_beyond_capacity(cluster, base_config, tiny_models, redeploy):
    config = base_config
    for name in ("Summarizer", "Translator"):
        config = changed(config, TEXT_ML, name, max_ongoing_requests=4, max_queued_requests=8)
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
    print(
        f"burst of {BURST}: {dict(outcomes)}; Retry-After {dict(retry_after)}; Summarizer RSS "
        f"{memory_before:.0f} -> {memory_after:.0f} MiB"
    )

    assert set(outcomes) <= {200, 503}, outcomes
    assert outcomes[503] > 0, "nothing was refused: the burst did not exceed the queue"
    assert outcomes[200] >= 4, outcomes
    assert retry_after == Counter({"1": outcomes[503]}), retry_after
    assert not wrong, wrong[:3]
    assert memory_after - memory_before < 100, "the replica's memory grew with the burst"
    assert post("/summarize_translate", TEXT).text == expected
