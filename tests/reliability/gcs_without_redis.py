"""What a GCS failure costs without Redis: the same kill and restart as test_gcs_fault_tolerance.py, on a
cluster whose GCS keeps its state in memory. Not a test: it starts (and `ray stop`s) its own cluster, so
run it with no other local Ray cluster running:

    .venv/bin/python tests/reliability/gcs_without_redis.py
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers.cluster import DASHBOARD, GCS_PORT, HOST, HTTP_PORT, OUTAGE_S, PROXY, LocalCluster  # noqa: E402
from helpers.paths import SERVE_CONFIG  # noqa: E402
from helpers.processes import find_process  # noqa: E402
from helpers.texts import FRUIT_ORDERS  # noqa: E402
from textml import serve_config  # noqa: E402
from textml.tools.load import BackgroundLoad  # noqa: E402

AFTER_RESTART_S = 40


def main():
    config = serve_config.load(SERVE_CONFIG)
    config["applications"] = [a for a in config["applications"] if a["name"] != "text_ml_app"]
    config = serve_config.with_overrides(config, host=HOST, port=HTTP_PORT)
    cluster = LocalCluster().start(num_cpus=2, redis=False)
    try:
        cluster.deploy(config)
        pid, argv, environ = find_process("gcs_server", f"--gcs_server_port={GCS_PORT}")
        with BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, clients=4, seconds=120, label="fruit") as load:
            time.sleep(2)
            os.kill(pid, signal.SIGKILL)
            time.sleep(OUTAGE_S)
            subprocess.Popen(
                argv, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            time.sleep(AFTER_RESTART_S)
        try:
            applications = requests.get(f"{DASHBOARD}/api/serve/applications/", timeout=10).json()["applications"]
        except (requests.RequestException, ValueError) as error:
            applications = f"none: the dashboard does not answer ({type(error).__name__})"
        print(
            f"without Redis, over {OUTAGE_S} s down and {AFTER_RESTART_S} s after the restart: {load.outcomes}; "
            f"Serve applications then: {applications}"
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
