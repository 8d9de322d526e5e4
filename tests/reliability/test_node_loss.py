"""Node loss: a second node joins the cluster, each model-free deployment of fruit_app keeps one replica per
node (`max_replicas_per_node: 1`), a proxy runs on every node. The second node is killed under load; the
service keeps answering through the head."""

import os
import signal
import time

from helpers.cluster import GCS_PORT, HOST, PROXY, run, seconds_until
from helpers.config import changed
from helpers.processes import find_process
from helpers.texts import FRUIT_ORDERS
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


def test_second_node_lost_under_load(cluster, base_config, redeploy):
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
    config = base_config
    for name in ("MangoStand", "FruitMarket"):
        config = changed(config, "fruit_app", name, num_replicas=2, max_replicas_per_node=1)
    redeploy(config)
    nodes = {
        r["node_id"]
        for d in ("MangoStand", "FruitMarket")
        for r in cluster.details()["applications"]["fruit_app"]["deployments"][d]["replicas"]
    }
    assert len(nodes) == 2, "the replicas are not spread over both nodes"

    with BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, clients=8, seconds=120, label="fruit") as load:
        time.sleep(3)
        [raylet, *_] = find_process("raylet", f"--node_manager_port={NODE_MANAGER_PORT}")
        os.kill(raylet, signal.SIGKILL)  # the node this test started

        def lost_replicas_dropped() -> bool:
            # Serve counts only the head's replica of each deployment as running.
            deployments = cluster.details()["applications"]["fruit_app"]["deployments"]
            return all(
                sum(r["state"] == "RUNNING" for r in deployments[d]["replicas"]) == 1
                for d in ("MangoStand", "FruitMarket")
            )

        recovered_s = seconds_until(lost_replicas_dropped, 60, "Serve dropping the lost node's replicas")
        time.sleep(5)
    print(f"second node killed; Serve dropped its replicas after {recovered_s:.1f} s; {load.outcomes}")
    assert load.outcomes.requests > 100, "the load did not run"
    # Requests in flight to the lost node's replicas can fail; the head keeps answering the rest.
    assert load.outcomes.failed <= 16, load.outcomes
