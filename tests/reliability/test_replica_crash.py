"""A replica killed under load: Serve replaces it; the load reports what was lost."""

import os
import signal
import time

from helpers.cluster import PROXY, seconds_until
from helpers.config import changed
from helpers.texts import FRUIT_ORDERS
from textml.tools.load import BackgroundLoad


def test_replica_crash_under_load(cluster, base_config, redeploy):
    redeploy(changed(base_config, "fruit_app", "MangoStand", num_replicas=2))
    before = cluster.replicas("fruit_app", "MangoStand")
    with BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, clients=8, seconds=120, label="fruit") as load:
        time.sleep(3)
        victim_actor, victim_pid = before[0]
        os.kill(victim_pid, signal.SIGKILL)  # a replica process of the cluster this test session started

        def replaced() -> bool:
            replicas = cluster.details()["applications"]["fruit_app"]["deployments"]["MangoStand"]["replicas"]
            return (
                len(replicas) == 2
                and victim_actor not in {r.get("actor_id") for r in replicas}
                and all(r["state"] == "RUNNING" for r in replicas)
            )

        recovered_s = seconds_until(replaced, 30, "a replacement replica RUNNING", poll_s=0.2)
        time.sleep(3)
    print(f"replacement RUNNING {recovered_s:.1f} s after the kill; {load.outcomes}")
    assert load.outcomes.requests > 100, "the load did not run"
    # Requests in flight on the killed process can fail; a handful, never a stream.
    assert load.outcomes.failed <= 8, load.outcomes
