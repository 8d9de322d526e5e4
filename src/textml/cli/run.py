"""`textml run` (what `make run` runs): the Serve config on a local Ray cluster of this process's own, in the
foreground. It says "ready" with the URLs once every application is RUNNING, serves until Ctrl-C or SIGTERM,
then stops the applications and the cluster and exits 0.

`serve run` does the same but on SIGTERM prints a C++ stack trace and exits with an error; and its terminal
gets every replica's log lines. Here the cluster is started by `ray.init` (its processes die with this one,
whatever happens), the config is deployed through the dashboard's Serve REST API as `textml up` does, and the
logs stay in Ray's log folder, which the ready line names.
"""

import logging
import signal
import socket
import threading
import time

from rich.console import Console

from textml.cli.local import (
    ServiceError,
    checked_config,
    dashboard_client,
    models_of,
    random_weights_lines,
    urls,
    wait_until_running,
)
from textml.engines.checkpoints import checkpoint_source
from textml.exceptions import ModelLoadError


def check_models(config: dict):
    """Every model checked as the replicas will load it, here and at once: the replicas run on this machine,
    with this environment, and would fail the same way, only later."""
    for model in models_of(config):
        try:
            checkpoint_source(model)
        except ModelLoadError as error:
            raise ServiceError(str(error)) from None


def check_ports_free(config: dict):
    """Serve's proxies would fail to bind a port another server holds, and the apps would never run: said here."""
    ports = [(config.get("http_options") or {}).get("port", 8000)]
    if (config.get("grpc_options") or {}).get("grpc_servicer_functions"):
        ports.append(config["grpc_options"].get("port", 9000))
    for port in ports:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            continue
        raise ServiceError(
            f"port {port} is taken (another `make run`, `textml up` or `serve run`?): stop it, or change the port "
            "in a copy of the config (`python -m textml.serve_config deploy/serve_config.yaml --port ...`)"
        )


def ready_line(config: dict, seconds: float) -> str:
    """One line: "ready in 41 s: text_ml_app http://127.0.0.1:8000/summarize_translate, ... (Ctrl-C stops)"."""
    return f"ready in {seconds:.0f} s: " + ", ".join(urls(config)) + " (Ctrl-C stops it)"


def run(config_path: str, model: str | None, timeout_s: float, console: Console) -> int:
    started = time.monotonic()
    config = checked_config(config_path, model)
    check_models(config)
    check_ports_free(config)
    for line in random_weights_lines(config):
        console.print(line)
    stop = threading.Event()
    # Ray's token auth stays as Ray sets it (on, for a local cluster since Ray 2.59: ray.init writes the token to
    # ~/.ray/auth_token): the dashboard, which runs jobs, answers only those who hold it.
    import ray

    console.print("starting a local Ray cluster")
    context = ray.init(
        address="local",
        dashboard_host="127.0.0.1",
        include_dashboard=True,
        log_to_driver=False,
        logging_level=logging.WARNING,
    )
    # After ray.init: Ray's own SIGTERM handler prints a stack trace and exits with an error.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    try:
        client = dashboard_client(f"http://{context.dashboard_url}")
        client.deploy_applications(config)
        console.print(f"deploying {config_path} (logs: {context.address_info['session_dir']}/logs/serve/)")
        wait_until_running(client, config, timeout_s, console, stopped=stop.is_set)
        if not stop.is_set():
            console.print(ready_line(config, time.monotonic() - started))
            stop.wait()
        console.print("stopping")
    finally:
        ray.shutdown()
    console.print("stopped")
    return 0
