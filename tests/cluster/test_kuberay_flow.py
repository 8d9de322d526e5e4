"""What the KubeRay operator does with each committed RayService manifest, done against a real local Ray:
PUT serveConfigV2 as JSON to the dashboard, poll until every app is RUNNING, call the apps, then PUT a
changed user_config and see it applied in place."""

import copy

import pytest
import requests
import yaml

from helpers.cluster import DASHBOARD, GRPC_PORT, HOST, HTTP_PORT
from helpers.config import CHECKABLE
from helpers.http import post
from helpers.paths import MANIFESTS
from helpers.reference import summarize_translate
from helpers.texts import TEXT
from textml.serve_config import deployment, model_deployments


def serve_config_v2(manifest) -> dict:
    [service] = [d for d in yaml.safe_load_all(manifest.read_text()) if d and d["kind"] == "RayService"]
    return yaml.safe_load(service["spec"]["serveConfigV2"])


def on_this_machine(config: dict, model: str) -> dict:
    """The few changes a one-node, offline test cluster needs: a local model, loopback, one node; and
    answers that can be checked exactly (CHECKABLE)."""
    config = copy.deepcopy(config)
    config["http_options"].update(host=HOST, port=HTTP_PORT)
    if "grpc_options" in config:
        config["grpc_options"]["port"] = GRPC_PORT
    for _, entry in model_deployments(config):
        entry["user_config"].update(model=model, **CHECKABLE)
        entry.pop("max_replicas_per_node", None)
    return config


def put(config: dict):
    response = requests.put(f"{DASHBOARD}/api/serve/applications/", json=config, timeout=60)
    assert response.status_code == 200, response.text


def check_answers(config: dict, model: str, mango_price: int, language_code: str):
    apps = {a["name"] for a in config["applications"]}
    if "fruit_app" in apps:
        assert post("/fruit", ["MANGO", 2]).json() == 2 * mango_price
    if "math_app" in apps:
        assert post("/calc", ["MUL", 3]).json() == "15 pizzas please!"
    if "text_ml_app" in apps:
        response = post("/summarize_translate", TEXT)
        assert response.status_code == 200, response.text
        assert response.text == summarize_translate(config, model, TEXT, language_code)


def replicas(cluster, config: dict) -> dict:
    return {
        (app["name"], d["name"]): cluster.replicas(app["name"], d["name"])
        for app in config["applications"]
        for d in app["deployments"]
    }


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.stem)
def test_operator_flow(cluster, redeploy, tiny_models, manifest):
    config = on_this_machine(serve_config_v2(manifest), tiny_models[0])
    put(config)
    cluster.wait_until_running(config)
    check_answers(config, tiny_models[0], mango_price=3, language_code="fr")
    before = replicas(cluster, config)

    changed = copy.deepcopy(config)
    apps = {a["name"] for a in config["applications"]}
    if "fruit_app" in apps:
        deployment(changed, "fruit_app", "MangoStand")["user_config"]["price"] = 4
    if "text_ml_app" in apps:
        deployment(changed, "text_ml_app", "Translator")["user_config"]["language"] = "german"
    put(changed)
    cluster.wait_until_running(changed)
    check_answers(changed, tiny_models[0], mango_price=4, language_code="de")
    assert replicas(cluster, changed) == before, "a user_config change must not restart replicas"
