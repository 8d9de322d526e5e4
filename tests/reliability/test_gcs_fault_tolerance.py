"""GCS fault tolerance: with the GCS's state in Redis, killing gcs_server under load loses no request,
and once it is back the applications, their config and their replicas are unchanged."""

import os
import signal
import subprocess
import time

import pytest
import requests

from helpers.cluster import DASHBOARD, GCS_PORT, OUTAGE_S, PROXY, seconds_until
from helpers.processes import find_process
from helpers.texts import FRUIT_ORDERS, TEXT
from textml.tools.load import BackgroundLoad


def serve_state() -> dict:
    applications = requests.get(f"{DASHBOARD}/api/serve/applications/", timeout=5).json()["applications"]
    return {
        name: (
            app["status"],
            app["deployed_app_config"],
            sorted((d_name, r["actor_id"]) for d_name, d in app["deployments"].items() for r in d["replicas"]),
        )
        for name, app in applications.items()
    }


@pytest.mark.restarts_gcs
def test_gcs_restart_under_load(cluster):
    if not cluster.redis:
        pytest.skip("redis-server is not installed (apt-get install redis-server): the cluster runs without GCS FT")
    before = serve_state()
    assert {status for status, *_ in before.values()} == {"RUNNING"}
    pid, argv, environ = find_process("gcs_server", f"--gcs_server_port={GCS_PORT}")
    assert any(arg.startswith("--redis_address=") for arg in argv), "the GCS does not use Redis"

    with (
        BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, clients=4, seconds=300, label="fruit") as fruit,
        BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], clients=2, seconds=300, label="text") as text,
    ):
        seconds_until(lambda: fruit.outcomes.requests >= 10 and text.outcomes.requests >= 2, 60, "the load answered")
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)  # the gcs_server of the cluster this test session started
        time.sleep(OUTAGE_S)
        # What a head pod's restart does on Kubernetes: the same gcs_server, on the same Redis.
        subprocess.Popen(
            argv, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

        def state_is_back() -> bool:
            try:
                return serve_state() == before
            except (requests.RequestException, ValueError, KeyError):
                return False

        recovered_s = OUTAGE_S + seconds_until(state_is_back, 120, "Serve's state back after the GCS restart", poll_s=1)
        # Counts, not seconds: a slow machine still has to serve this much after the recovery.
        after = (fruit.outcomes.requests + 40, text.outcomes.requests + 6)
        seconds_until(
            lambda: fruit.outcomes.requests >= after[0] and text.outcomes.requests >= after[1],
            120,
            "requests answered after the GCS came back",
        )
    during_outage = sum(killed_at <= t <= killed_at + OUTAGE_S for t in fruit.outcomes.answered_at)
    print(
        f"gcs_server killed, restarted after {OUTAGE_S} s; applications, config and replicas unchanged "
        f"{recovered_s:.1f} s after the kill; {during_outage} fruit requests answered while it was down; "
        f"{fruit.outcomes}; {text.outcomes}"
    )
    assert fruit.outcomes.failed == 0, fruit.outcomes
    assert text.outcomes.failed == 0, text.outcomes
