"""Reading deploy/serve_config.yaml and deriving local variants of it (an offline model, other ports).

python -m textml.serve_config deploy/serve_config.yaml --model models/t5-random -o build/serve_config.yaml
serve run build/serve_config.yaml
"""

import argparse
import copy
import sys
from pathlib import Path

import yaml
from ray.serve.schema import ServeDeploySchema

# The import paths of text_ml_app: the one users deploy, and the module that defines it.
TEXT_ML_IMPORT_PATHS = ("textml.text_ml:app", "textml.apps.text_ml:app")


def load(path: str | Path) -> dict:
    """The config as a plain dict, after checking it against Ray's own Serve config schema."""
    config = yaml.safe_load(Path(path).read_text())
    ServeDeploySchema.model_validate(config)
    return config


def application(config: dict, name: str) -> dict:
    [entry] = [a for a in config["applications"] if a["name"] == name]
    return entry


def deployment(config: dict, app: str, name: str) -> dict:
    """The entry of deployment `name` of application `app`, to read or change in place."""
    [entry] = [d for d in application(config, app).get("deployments", []) if d["name"] == name]
    return entry


def runs_text_ml(app: dict) -> bool:
    return app.get("import_path") in TEXT_ML_IMPORT_PATHS


def model_deployments(config: dict) -> list[tuple[dict, dict]]:
    """(application, deployment entry) of every model deployment (Translator, Summarizer) in `config`."""
    from textml.apps.text_ml import MODEL_DEPLOYMENTS

    names = {d.name for d in MODEL_DEPLOYMENTS}
    return [
        (app, entry)
        for app in config["applications"]
        if runs_text_ml(app)
        for entry in app.get("deployments", [])
        if entry["name"] in names
    ]


def with_overrides(
    config: dict,
    *,
    model: str | None = None,
    host: str | None = None,
    port: int | None = None,
    grpc_port: int | None = None,
) -> dict:
    """A copy with every model deployment loading `model`, the HTTP proxy on host:port, the gRPC one on
    grpc_port."""
    config = copy.deepcopy(config)
    if model is not None:
        for _, entry in model_deployments(config):
            entry.setdefault("user_config", {})["model"] = model
    http = config.setdefault("http_options", {})
    if host is not None:
        http["host"] = host
    if port is not None:
        http["port"] = port
    if grpc_port is not None:
        config.setdefault("grpc_options", {})["port"] = grpc_port
    ServeDeploySchema.model_validate(config)
    return config


def took_submitted(app: dict | None, submitted: dict) -> bool:
    """The application (its details from the dashboard's Serve API) has taken the config `submitted`: what it
    says is about that config, not still the one before it."""
    if not app:
        return False
    deployed = {d["name"]: d.get("user_config") for d in (app.get("deployed_app_config") or {}).get("deployments", [])}
    return all(
        deployed.get(d["name"]) == d["user_config"] for d in submitted.get("deployments", []) if "user_config" in d
    )


def runs_submitted(app: dict | None, submitted: dict) -> bool:
    """The application runs the config `submitted`, not still the one before it (an in-place user_config change
    leaves it RUNNING throughout)."""
    return bool(app) and app["status"] == "RUNNING" and took_submitted(app, submitted)


def dump(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a local variant of a Serve config.")
    parser.add_argument("config", help="the Serve config to start from, e.g. deploy/serve_config.yaml")
    parser.add_argument("--model", help="Hugging Face id or local directory for every model deployment")
    parser.add_argument("--host", help="address the HTTP proxy binds")
    parser.add_argument("--port", type=int, help="port the HTTP proxy listens on")
    parser.add_argument("--grpc-port", type=int, help="port the gRPC proxy listens on")
    parser.add_argument("-o", "--output", required=True, help="where to write the new config")
    args = parser.parse_args(argv)
    from textml.cli.local import random_weights_lines
    from textml.engines.checkpoints import directory_problem, looks_like_a_path

    model = args.model
    if model is not None and looks_like_a_path(model):
        # By its absolute path, as `textml run --model` passes it: a replica's working directory is not this one.
        model = str(Path(model).expanduser().resolve())
        problem = directory_problem(Path(model))
        if problem:  # it may be there where the replicas run (an image, a volume): said, not refused
            print(f"warning: {problem} here; the replicas need a checkpoint at that path", file=sys.stderr)
    config = with_overrides(load(args.config), model=model, host=args.host, port=args.port, grpc_port=args.grpc_port)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dump(config))
    for line in random_weights_lines(config):
        print(line, file=sys.stderr)
    print(output)


if __name__ == "__main__":
    main()
