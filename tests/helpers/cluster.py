"""A real local Ray cluster for the tests, driven the way a user drives one: `ray start`, the
`serve` CLI, the dashboard's REST API and HTTP through the Serve proxy, all on 127.0.0.1."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Ports away from the defaults, so a cluster a developer runs (make run) is left alone, and below the
# ephemeral range (32768-60999), where a connection's source port could already hold them.
GCS_PORT = 26379
DASHBOARD_PORT = 28265
HTTP_PORT = 28000
GRPC_PORT = 29000
METRICS_PORT = 28080
REDIS_PORT = 26390
DASHBOARD = f"http://{HOST}:{DASHBOARD_PORT}"
# How long gcs_server stays down in the GCS-failure scenarios, before it is restarted.
OUTAGE_S = 8
# How often replicas report their metrics (Ray's default is 10 s): tests that read them wait less.
METRICS_REPORT_MS = 2000
PROXY = f"http://{HOST}:{HTTP_PORT}"


def cluster_env() -> dict:
    env = dict(os.environ)
    env.update(RAY_AUTH_MODE="disabled", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RAY_USAGE_STATS_ENABLED="0")
    return env


def run(
    *command: str, timeout: float = 300, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Runs a CLI command from the venv; with `check`, fails the test with its output when it fails."""
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        env={**cluster_env(), **(env or {})},
        text=True,
        capture_output=True,
        timeout=timeout,
    )
    assert result.returncode == 0 or not check, (
        f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _wait_for_port(port: int, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {HOST}:{port}"
            time.sleep(0.1)


class LocalCluster:
    """A head node as production runs it: with GCS fault tolerance on an external Redis, when
    redis-server is installed (.ci/run installs Debian's)."""

    def __init__(self):
        self.redis: subprocess.Popen | None = None
        # The Redis that backs the GCS, for what else needs a store the replicas share (its password in it).
        self.redis_url: str | None = None
        self.serve_logs: Path | None = None  # where its Serve logs are

    def start(self, num_cpus: int = 2, redis: bool = True) -> "LocalCluster":
        options, env = [], {}
        if redis and shutil.which("redis-server"):
            password = secrets.token_hex(8)
            self.redis = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(REDIS_PORT),
                    "--bind",
                    HOST,
                    "--requirepass",
                    password,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
            _wait_for_port(REDIS_PORT)
            self.redis_url = f"redis://:{password}@{HOST}:{REDIS_PORT}"
            env = {"RAY_REDIS_ADDRESS": f"{HOST}:{REDIS_PORT}", "RAY_external_storage_namespace": "textml-tests"}
            options = [f"--redis-password={password}"]
        env["RAY_metrics_report_interval_ms"] = str(METRICS_REPORT_MS)
        run(
            "ray",
            "start",
            "--head",
            f"--port={GCS_PORT}",
            f"--dashboard-port={DASHBOARD_PORT}",
            f"--dashboard-host={HOST}",
            f"--node-ip-address={HOST}",
            f"--num-cpus={num_cpus}",
            f"--metrics-export-port={METRICS_PORT}",
            "--disable-usage-stats",
            *options,
            env=env,
        )
        # This cluster's own session: session_latest moves when another cluster starts (the benchmark's).
        self.serve_logs = Path("/tmp/ray/session_latest").resolve() / "logs" / "serve"
        return self

    def stop(self):
        run("ray", "stop", "--force")
        if self.redis:
            self.redis.terminate()
            self.redis.wait(timeout=30)

    def submit(self, config: dict):
        """`serve deploy`s the config, as a user would, without waiting for it."""
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as file:
            yaml.safe_dump(config, file)
        try:
            run("serve", "deploy", file.name, "-a", DASHBOARD)
        finally:
            os.unlink(file.name)

    def deploy(self, config: dict, timeout: float = 300) -> dict:
        """`serve deploy`s the config, then waits until every app in it runs that config."""
        self.submit(config)
        return self.wait_until_running(config, timeout)

    def details(self) -> dict:
        response = requests.get(f"{DASHBOARD}/api/serve/applications/", timeout=30)
        response.raise_for_status()
        return response.json()

    def wait_until_running(self, config: dict, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            details = self.details()
            if all(self._runs(details["applications"].get(app["name"]), app) for app in config["applications"]):
                return details
            assert time.monotonic() < deadline, f"apps not RUNNING after {timeout}s:\n{yaml.safe_dump(details)}"
            time.sleep(1)

    @staticmethod
    def _runs(app: dict | None, wanted: dict) -> bool:
        if not app or app["status"] != "RUNNING":
            return False
        # The app must run the config just sent, not still the one before it.
        deployed = {d["name"]: d.get("user_config") for d in app["deployed_app_config"].get("deployments", [])}
        if any(
            "user_config" in want and deployed.get(want["name"]) != want["user_config"]
            for want in wanted.get("deployments", [])
        ):
            return False
        return all(
            d["status"] == "HEALTHY" and all(r["state"] == "RUNNING" for r in d["replicas"])
            for d in app["deployments"].values()
        )

    def replicas(self, app: str, deployment: str) -> list[tuple[str, int]]:
        """(actor id, pid) of each replica of a deployment."""
        replicas = self.details()["applications"][app]["deployments"][deployment]["replicas"]
        return sorted((r.get("actor_id") or "", r.get("pid") or 0) for r in replicas)

    def wait_for_status(self, app: str, status: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            details = self.details()["applications"].get(app, {})
            if details.get("status") == status:
                return details
            assert time.monotonic() < deadline, f"{app} not {status} after {timeout}s: {details.get('status')}"
            time.sleep(1)


def seconds_until(condition, timeout_s: float, what: str, poll_s: float = 0.5) -> float:
    """Polls `condition()` until it is true and returns how long that took; fails the test, naming `what`,
    after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s} s: {what}"
        time.sleep(poll_s)
    return time.monotonic() - started
