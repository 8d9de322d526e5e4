"""`textml up`, `status` and `down`: the Serve config deployed to a local Ray cluster, watched until it runs.

Ray does the work: `ray start` for the cluster, the dashboard's Serve REST API (ServeSubmissionClient, as
`serve deploy` uses) for deploying, reading status and deleting. Progress is a live table on a terminal, and a
line each time something changes otherwise (a log, CI, `make run | tee`).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.table import Table

from textml import serve_config
from textml._ray import ray_auth_token, serve_rest_client, serve_rest_client_with_token
from textml.engines.checkpoints import (
    DEFAULT_MODEL,
    LOCAL_FIX,
    directory_problem,
    has_random_weights,
    looks_like_a_path,
)
from textml.exceptions import ModelLoadError

DEFAULT_ADDRESS = "http://127.0.0.1:8265"
# Where `up` notes that it started the Ray cluster, so `down` stops only a cluster `up` started.
STATE_FILE = Path(os.environ.get("TEXTML_STATE", Path.home() / ".cache" / "textml" / "up.json"))


class ServiceError(Exception):
    """A failure to report as one line."""


# Where Ray's clients look for a cluster's token (ray_auth_token), to say in a line.
TOKEN_PLACES = "$RAY_AUTH_TOKEN, the file $RAY_AUTH_TOKEN_PATH, else ~/.ray/auth_token"


def auth_problem(address: str, token_sent: bool, token_problem: str | None = None) -> str:
    """Why the Ray cluster at `address`, whose dashboard has Ray's token auth on (answering 401), can't be used,
    and what to do, in one line."""
    if token_sent:
        return (
            f"the Ray cluster at {address} refused the auth token found here ({TOKEN_PLACES}): set "
            "RAY_AUTH_TOKEN to its own (`ray get-auth-token` on the machine that started it)"
        )
    found = f"and {token_problem}" if token_problem else f"and none is set here ({TOKEN_PLACES})"
    return (
        f"the Ray cluster at {address} requires its auth token (Ray's token auth is on), {found}: set "
        "RAY_AUTH_TOKEN to it (`ray get-auth-token` on the machine that started it prints it)"
    )


def dashboard_client(address: str):
    """The dashboard's Serve REST API at `address`, sending the cluster's token if it asks for one (Ray's token
    auth on, as a local `serve run` or `ray.init` turns it on) and one is found as Ray's clients find it
    (ray_auth_token): the token goes only to a dashboard that asked for it. Raises ServiceError, in one line,
    when the dashboard refuses; whatever ServeSubmissionClient raises when none answers."""
    from ray.exceptions import AuthenticationError

    try:
        return serve_rest_client(address)
    except AuthenticationError:
        pass
    try:
        token = ray_auth_token()
    except ValueError as error:  # $RAY_AUTH_TOKEN_PATH names a missing or empty file
        raise ServiceError(auth_problem(address, False, str(error))) from None
    if token is None:
        raise ServiceError(auth_problem(address, False)) from None
    try:
        return serve_rest_client_with_token(address, token)
    except AuthenticationError:
        raise ServiceError(auth_problem(address, True)) from None


def connect(address: str):
    try:
        return dashboard_client(address)
    except ServiceError:
        raise
    except Exception as error:  # refused, timed out, not a Ray dashboard: the address is what to fix
        raise ServiceError(
            f"no Ray dashboard answers at {address} ({type(error).__name__}); "
            "start one with `textml up`, or pass --address"
        ) from None


def ray_cli() -> str:
    """The `ray` command installed beside this Python (the same Ray), else the one on PATH."""
    return shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"


def start_local_ray(address: str, console: Console):
    port = address.rsplit(":", 1)[-1]
    console.print(f"no Ray cluster at {address}: starting one (ray start --head)")
    result = subprocess.run(
        [
            ray_cli(),
            "start",
            "--head",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={port}",
            "--disable-usage-stats",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServiceError(f"ray start failed: {last[0]}")
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps({"started_ray": True, "address": address}))


def _schema_problem(error: ValidationError) -> str:
    """The first problem and where it is (without union branches such as "constrained-int" in the path)."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"] if isinstance(part, int) or part.isidentifier())
    return f"{where or 'config'}: {first['msg']}"


def local_model(model: str | None) -> str | None:
    """`model` as the replicas must be given it: a directory by its absolute path (a replica's working directory
    is not this one). Refused here, in one line, when it is a path but not a T5 checkpoint directory."""
    if model is None or not looks_like_a_path(model):
        return model
    problem = directory_problem(Path(model).expanduser())
    if problem:
        raise ServiceError(str(ModelLoadError(model, problem, LOCAL_FIX)))
    return str(Path(model).expanduser().resolve())


def checked_config(path: str, model: str | None) -> dict:
    """The config to deploy, refused here (one line, naming the field) if Serve or a model would refuse it."""
    from textml.k8s.check import check_serve_config

    if not Path(path).is_file():
        raise ServiceError(f"no Serve config at {path}: pass --config PATH")
    try:
        config = serve_config.with_overrides(serve_config.load(path), model=local_model(model))
    except yaml.YAMLError as error:
        raise ServiceError(f"{path} is not YAML: {' '.join(str(error).split())}") from None
    except ValidationError as error:  # Ray's Serve schema refused it
        raise ServiceError(f"{path}: {_schema_problem(error)}") from None
    findings, _ = check_serve_config(serve_config.dump(config), field="config")
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ServiceError(
            f"{path}: {errors[0].field}: {errors[0].problem}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        )
    return config


def models_of(config: dict) -> list[str]:
    """The models the config's model deployments may load (`model`, and the Translator's `models`), each once."""
    from textml.apps.text_ml import MODEL_DEPLOYMENTS

    settings_types = {d.name: d.func_or_class.settings_type for d in MODEL_DEPLOYMENTS}
    models: set[str] = set()
    for _, entry in serve_config.model_deployments(config):
        user_config = entry.get("user_config") or {}
        try:
            models |= settings_types[entry["name"]].model_validate(user_config).checkpoints()
        except ValueError:  # refused by name elsewhere (checked_config): its `model` is still worth checking
            models.add(user_config.get("model", DEFAULT_MODEL))
    return sorted(models)


def random_weights_lines(config: dict) -> list[str]:
    """A warning for each model of `config` that `textml model random` made: its answers are meaningless."""
    return [
        f"model {model} has RANDOM WEIGHTS: its answers are meaningless (textml model random)"
        for model in filter(has_random_weights, models_of(config))
    ]


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:100] if lines else ""


def applications_table(applications: dict) -> Table:
    """One row per application, then one per deployment with its RUNNING replicas."""
    table = Table("application", "status", "deployment", "status", "replicas", "message")
    for name, app in sorted(applications.items()):
        table.add_row(name, app["status"], "", "", "", _first_line(app.get("message")))
        # A replica's ModelLoadError says it all; otherwise Serve's own first line.
        for deployment_name, deployment in app.get("deployments", {}).items():
            table.add_row(
                "",
                "",
                deployment_name,
                deployment["status"],
                f"{_running(deployment)}/{len(deployment.get('replicas', []))}",
                _first_line(model_load_error(deployment.get("message")) or deployment.get("message")),
            )
    return table


def urls(config: dict) -> list[str]:
    http = config.get("http_options") or {}
    host = http.get("host", "127.0.0.1")
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    lines = [
        f"{app['name']}: http://{host}:{http.get('port', 8000)}{app.get('route_prefix', '/')}"
        for app in config["applications"]
    ]
    for text_ml in filter(serve_config.runs_text_ml, config["applications"]):
        lines.append(f"API docs: http://{host}:{http.get('port', 8000)}{text_ml.get('route_prefix', '/')}/docs")
    grpc = config.get("grpc_options") or {}
    if grpc.get("grpc_servicer_functions"):
        lines.append(f"gRPC: {host}:{grpc.get('port', 9000)} (metadata application=<name>)")
    return lines


MODEL_LOAD_ERROR = f"{ModelLoadError.__name__}: "


def model_load_error(message: str | None) -> str | None:
    """The ModelLoadError line in a deployment's message (Serve keeps the traceback of a replica that failed to
    start), or None. Retrying can't help such a replica: it is reported at its first failure."""
    for line in (message or "").splitlines():
        if MODEL_LOAD_ERROR in line:
            return line.split(MODEL_LOAD_ERROR, 1)[1].strip()
    return None


def failure(name: str, app: dict) -> str:
    """Why an application failed to deploy, in one line: the failed deployment and the error its replicas
    raised (the ModelLoadError, else the last line of the traceback Serve keeps)."""
    for deployment_name, deployment in app.get("deployments", {}).items():
        cause = model_load_error(deployment.get("message"))
        if cause:
            return f"{name} failed to deploy: {deployment_name}: {cause}"
    for deployment_name, deployment in app.get("deployments", {}).items():
        if deployment["status"] in ("DEPLOY_FAILED", "UNHEALTHY"):
            lines = [line.strip() for line in (deployment.get("message") or "").splitlines() if line.strip()]
            return f"{name} failed to deploy: {deployment_name}: {lines[-1][:300] if lines else 'no message'}"
    return f"{name} failed to deploy: {_first_line(app.get('message')) or 'no message'}"


def _running(deployment: dict) -> int:
    return sum(r["state"] == "RUNNING" for r in deployment.get("replicas", []))


def progress(applications: dict, wanted: dict) -> str:
    """Where each application is, in one line: "text_ml_app DEPLOYING (Translator 0/1, Summarizer 1/1),
    fruit_app RUNNING"."""
    parts = []
    for name in wanted:
        app = applications.get(name) or {"status": "NOT_STARTED"}
        replicas = [
            f"{deployment_name} {_running(d)}/{len(d.get('replicas', []))}"
            for deployment_name, d in app.get("deployments", {}).items()
            if d["status"] != "HEALTHY"
        ]
        parts.append(f"{name} {app['status']}" + (f" ({', '.join(replicas)})" if replicas else ""))
    return ", ".join(parts)


def wait_until_running(client, config: dict, timeout_s: float, console: Console, stopped=lambda: False) -> dict:
    """Watches the deployed `config` until every application in it runs it, showing progress; returns the
    applications' details. Raises ServiceError, in one line, when one fails to deploy: at once when a
    model can't be loaded, else when Serve gives up (DEPLOY_FAILED). Returns early when `stopped()`."""
    started = time.monotonic()
    wanted = {app["name"]: app for app in config["applications"]}
    last_line, last_printed = "", 0.0
    with Live(console=console, transient=True, refresh_per_second=4) if console.is_terminal else nullcontext() as live:
        while not stopped():
            applications = {n: a for n, a in client.get_serve_details().get("applications", {}).items() if n in wanted}
            elapsed = time.monotonic() - started
            if live:
                live.update(applications_table(applications))
            else:
                line = progress(applications, wanted)
                # A line when something changed, and every 30 s that nothing did.
                if line != last_line or elapsed - last_printed >= 30:
                    console.print(f"{elapsed:5.0f} s  {line}")
                    last_line, last_printed = line, elapsed
            for name, app in applications.items():
                if not serve_config.took_submitted(app, wanted[name]):
                    continue  # what it says is about the config before
                if app["status"] == "DEPLOY_FAILED" or any(
                    model_load_error(d.get("message")) for d in app.get("deployments", {}).values()
                ):
                    raise ServiceError(failure(name, app))
            if all(serve_config.runs_submitted(applications.get(name), app) for name, app in wanted.items()):
                return applications
            if elapsed > timeout_s:
                waiting = {
                    n: applications.get(n, {}).get("status", "absent")
                    for n in wanted
                    if not serve_config.runs_submitted(applications.get(n), wanted[n])
                }
                raise ServiceError(f"not RUNNING after {timeout_s:.0f} s: {waiting}; see `textml status`")
            time.sleep(0.5)
    return {}


def up(config_path: str, model: str | None, address: str, timeout_s: float, console: Console) -> int:
    config = checked_config(config_path, model)
    try:
        client = dashboard_client(address)
    except ServiceError:  # a cluster answers, and refuses: starting another is not the fix
        raise
    except Exception:
        if address != DEFAULT_ADDRESS:
            raise ServiceError(
                f"no Ray dashboard answers at {address}; leave --address out to start a local cluster, or start yours"
            ) from None
        start_local_ray(address, console)
        client = connect(address)
    client.deploy_applications(config)
    console.print(f"deployed {config_path} to {address}")
    for line in random_weights_lines(config):
        console.print(line)
    applications = wait_until_running(client, config, timeout_s, console)
    console.print(applications_table(applications))
    console.print("running:")
    for line in urls(config):
        console.print(f"  {line}")
    return 0


def status(address: str, console: Console) -> int:
    details = connect(address).get_serve_details()
    if not details.get("applications"):
        console.print(f"no applications on {address}; deploy them with `textml up`")
        return 0
    console.print(applications_table(details["applications"]))
    for app in details["applications"].values():
        for line in random_weights_lines({"applications": [app.get("deployed_app_config") or {}]}):
            console.print(line)
    # A model that can't load, in full: one line each, below the table.
    for name, app in sorted(details["applications"].items()):
        for deployment_name, deployment in app.get("deployments", {}).items():
            cause = model_load_error(deployment.get("message"))
            if cause:
                console.print(f"{name} {deployment_name}: {cause}")
    return 0


def down(address: str, console: Console) -> int:
    connect(address).delete_applications()
    console.print(f"deleted the applications on {address}")
    state = json.loads(STATE_FILE.read_text()) if STATE_FILE.is_file() else {}
    if state.get("started_ray") and state.get("address") == address:
        subprocess.run([ray_cli(), "stop"], capture_output=True, check=True)
        STATE_FILE.unlink()
        console.print("stopped the Ray cluster `textml up` started")
    return 0
