"""Node loss: a second node joins the cluster and is killed under load; nothing is lost for a client that
retries as the service says (503 with Retry-After)."""

import os
import signal
import time

from helpers.cluster import GCS_PORT, HOST, PROXY, run, seconds_until
from helpers.config import TEXT_ML, changed
from helpers.processes import find_process
from helpers.texts import FRUIT_ORDERS, TEXT
from textml.tools.load import BackgroundLoad

# The second node's own ports, so it can share this machine with the head (below the ephemeral range).
NODE_MANAGER_PORT = 24400
NODE_PORTS = [
    f"--node-manager-port={NODE_MANAGER_PORT}",
    "--object-manager-port=24401",
    "--dashboard-agent-listen-port=24402",
    "--dashboard-agent-grpc-port=24403",
    "--runtime-env-agent-port=24404",
    "--metrics-export-port=24405",
    "--min-worker-port=24500",
    "--max-worker-port=24599",
]


# Ray gives the head node this resource: a replica asking for a sliver of it stays on the head.
ON_THE_HEAD = {"resources": {"node:__internal_head__": 0.001}}
RETRY_BUDGET_S = 30


def test_second_node_lost_under_load(cluster, base_config, redeploy):
    """The second node holds one replica each of MangoStand and Summarizer, the deployments the ingresses
    (FruitMarket, Translator, kept on the head) call through handles. Killed under load: a retrying client
    (textml.client's policy: 503 and refused connections, after Retry-After) loses nothing, and a client that
    does not retry sees only 503s with Retry-After, never a 500.

    (An ingress replica that dies with its node is another matter: Serve's proxy answers the requests that were
    inside it 500, Ray's mapping of RayActorError. docs/reliability.md says so.)"""
    # The worker node's proxy listens on its own port: the load goes to the head's proxy.
    run(
        "ray",
        "start",
        f"--address={HOST}:{GCS_PORT}",
        f"--node-ip-address={HOST}",
        "--num-cpus=2",
        *NODE_PORTS,
        env={"RAY_SERVE_WORKER_PROXY_HTTP_PORT": "28001"},
    )
    config = changed(base_config, "fruit_app", "MangoStand", num_replicas=2, max_replicas_per_node=1)
    config = changed(config, "fruit_app", "FruitMarket", ray_actor_options={"num_cpus": 0.1, **ON_THE_HEAD})
    config = changed(config, TEXT_ML, "Summarizer", num_replicas=2, max_replicas_per_node=1)
    config = changed(config, TEXT_ML, "Translator", ray_actor_options={"num_cpus": 0.4, **ON_THE_HEAD})
    redeploy(config)
    applications = cluster.details()["applications"]
    for app, name in (("fruit_app", "MangoStand"), (TEXT_ML, "Summarizer")):
        nodes = {r["node_id"] for r in applications[app]["deployments"][name]["replicas"]}
        assert len(nodes) == 2, f"{name}'s replicas are not spread over both nodes"

    loads = {
        "fruit, retrying": BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, 4, 120, retry_budget_s=RETRY_BUDGET_S),
        "fruit": BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, 4, 120),
        "text, retrying": BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], 2, 120, retry_budget_s=RETRY_BUDGET_S),
        "text": BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], 2, 120),
    }
    for load in loads.values():
        load.__enter__()
    try:
        time.sleep(3)
        [raylet, *_] = find_process("raylet", f"--node_manager_port={NODE_MANAGER_PORT}")
        os.kill(raylet, signal.SIGKILL)  # the node this test started

        def lost_replicas_dropped() -> bool:
            # Serve counts only the head's replica of each deployment as running.
            applications = cluster.details()["applications"]
            return all(
                sum(r["state"] == "RUNNING" for r in applications[app]["deployments"][name]["replicas"]) == 1
                for app, name in (("fruit_app", "MangoStand"), (TEXT_ML, "Summarizer"))
            )

        recovered_s = seconds_until(lost_replicas_dropped, 60, "Serve dropping the lost node's replicas")
        time.sleep(5)
    finally:
        for load in loads.values():
            load.__exit__(None, None, None)
    retried = sum(
        log.read_text().count("a Summarizer replica was lost")
        for log in cluster.serve_logs.glob("replica_text_ml_app_Translator_*.log")
    )
    print(
        f"second node killed; Serve dropped its replicas after {recovered_s:.1f} s; Translator retried "
        f"{retried} Summarizer calls on another replica"
    )
    for name, load in loads.items():
        print(f"{name}: {load.outcomes}")
        assert load.outcomes.requests > 20, f"the {name} load did not run"
    for name in ("fruit, retrying", "text, retrying"):
        assert loads[name].outcomes.failed == 0, loads[name].outcomes
    for name in ("fruit", "text"):
        assert set(loads[name].outcomes.statuses) <= {200, 503}, loads[name].outcomes
