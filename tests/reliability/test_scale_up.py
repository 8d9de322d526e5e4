"""Warm replicas only: scaling Translator (the ingress) from 1 to 3 replicas under load fails nothing, and the
requests answered while the new replicas start stay close to the steady latency: a new replica takes traffic only
once its model is loaded, a canary decode passed and its Summarizer handle has answered (reconfigure), and it
says how long that took (ray_textml_replica_start_seconds).

The target is a p99 during the scale-up within 2x the steady p99. On this 2-core machine the two new replica
processes start (Ray's worker start and imports, at the running replicas' priority) on the cores the running
ones use, which costs more: the test allows 4x and prints the figure (docs/reliability.md)."""

import time

from helpers.cluster import PROXY
from helpers.config import TEXT_ML, changed
from helpers.metrics import scrape, settled
from helpers.texts import TEXT
from textml.tools.load import BackgroundLoad

STEADY_S = 12
ALLOWED = 4


def test_scale_up_under_load_keeps_latency(cluster, base_config, redeploy):
    with BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], clients=4, seconds=180, label="text") as load:
        time.sleep(STEADY_S)
        steady_end = time.monotonic()
        redeploy(changed(base_config, TEXT_ML, "Translator", num_replicas=3))
        scaled_end = time.monotonic()
        time.sleep(3)
    steady = load.outcomes.percentile(99, end=steady_end)
    during = load.outcomes.percentile(99, start=steady_end, end=scaled_end)
    print(
        f"Translator 1 -> 3 in {scaled_end - steady_end:.1f} s under load; p99 {steady:.0f} ms steady, {during:.0f} ms"
        f" while scaling ({during / steady:.2f}x); {load.outcomes}"
    )
    assert load.outcomes.failed == 0, load.outcomes
    assert during <= ALLOWED * steady, (steady, during)

    replicas = cluster.details()["applications"][TEXT_ML]["deployments"]["Translator"]["replicas"]

    def starts() -> list[float]:
        return sorted(
            sample.value
            for sample in scrape().get("ray_textml_replica_start_seconds", [])
            if sample.labels.get("deployment") == "Translator"
            and sample.labels.get("replica") in {r["replica_id"] for r in replicas}
        )

    seconds = settled(starts)
    print(f"Translator replicas ready this long after their process started: {seconds}")
    assert len(seconds) == 3 and all(0 < s < 120 for s in seconds), seconds
