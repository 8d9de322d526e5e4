"""deploy/serve_config.yaml is a valid multi-application config, and `serve build` works for each app."""

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from helpers.cluster import run
from helpers.paths import ROOT, SERVE_CONFIG
from textml import serve_config
from textml.engines.checkpoints import DEFAULT_MODEL

# The deployment names of KubeRay's RayService samples, so users' configs keep working.
APPS = {
    "text_ml_app": ("textml.text_ml:app", "/summarize_translate", {"Translator", "Summarizer", "DocumentJobs"}),
    "fruit_app": ("textml.fruit:deployment_graph", "/fruit", {"MangoStand", "OrangeStand", "PearStand", "FruitMarket"}),
    "math_app": ("textml.calc:serve_dag", "/calc", {"Adder", "Multiplier", "Router"}),
}


def test_config_has_the_three_apps():
    config = serve_config.load(SERVE_CONFIG)
    assert {"proxy_location", "http_options", "logging_config"} <= config.keys()
    found = {
        a["name"]: (a["import_path"], a["route_prefix"], {d["name"] for d in a["deployments"]})
        for a in config["applications"]
    }
    assert found == APPS


def test_all_apps_fit_on_two_cores():
    config = serve_config.load(SERVE_CONFIG)
    cpus = sum(
        d.get("num_replicas", 1) * d["ray_actor_options"]["num_cpus"]
        for a in config["applications"]
        for d in a["deployments"]
    )
    assert cpus <= 2, cpus


@pytest.mark.parametrize("app", APPS)
def test_serve_build(app, tmp_path):
    import_path, _, deployments = APPS[app]
    output = tmp_path / "built.yaml"
    run("serve", "build", import_path, "-o", str(output))
    built = ServeDeploySchema.model_validate(yaml.safe_load(output.read_text()))
    [application] = built.applications
    assert {d.name for d in application.deployments} == deployments


def test_local_variant_points_every_model_deployment_at_a_directory(tmp_path):
    output = tmp_path / "local.yaml"
    run(
        "python",
        "-m",
        "textml.serve_config",
        str(SERVE_CONFIG),
        "--model",
        "/models/t5-small",
        "--port",
        "9999",
        "-o",
        str(output),
    )
    config = ServeDeploySchema.model_validate(yaml.safe_load(output.read_text()))
    assert config.http_options.port == 9999
    [text_ml] = [a for a in config.applications if a.name == "text_ml_app"]
    assert {d.name: d.user_config.get("model") for d in text_ml.deployments} == {
        "Translator": "/models/t5-small",
        "Summarizer": "/models/t5-small",
        "DocumentJobs": None,
    }


def test_files_that_cannot_import_name_the_default_model():
    """deploy/serve_config.yaml and the Dockerfile name the model; engines/checkpoints.py is where it is defined."""
    config = serve_config.load(SERVE_CONFIG)
    assert {entry["user_config"]["model"] for _, entry in serve_config.model_deployments(config)} == {DEFAULT_MODEL}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"from_pretrained('{DEFAULT_MODEL}')" in dockerfile
    assert f"python -m textml.engines.conversion {DEFAULT_MODEL}" in dockerfile
