"""`textml k8s plan` against Ray Serve itself: for each change, the plan of the rendered RayService manifests
says what happens to every deployment of the app, and a real local Serve does exactly that: the same replica
processes where the plan says reconfigured, scaled, updated or unchanged, new ones where it says restarted."""

import copy
import time

import pytest

from helpers.cluster import LocalCluster
from helpers.config import changed
from helpers.paths import KUBERNETES
from textml.k8s.plan import plan
from textml.k8s.profile import load_profile
from textml.k8s.render import rayservice

QUICKSTART = load_profile(KUBERNETES / "profiles" / "quickstart.yaml")  # fruit_app and math_app


def _app(config: dict, name: str) -> dict:
    return next(app for app in config["applications"] if app["name"] == name)


def _with_app(name: str, **options):
    def edit(config):
        config = copy.deepcopy(config)
        _app(config, name).update(options)
        return config

    return edit


# change: (the changed config, the app it touches, the plan's answer for that app)
CASES = {
    "user_config": (
        lambda c: changed(c, "fruit_app", "MangoStand", user_config={"price": 4}),
        "fruit_app",
        ("updated", {"MangoStand": "reconfigured"}),
    ),
    "num_replicas": (
        lambda c: changed(c, "math_app", "Adder", num_replicas=2),
        "math_app",
        ("updated", {"Adder": "scaled"}),
    ),
    "max_ongoing_requests": (
        lambda c: changed(c, "math_app", "Multiplier", max_ongoing_requests=3),
        "math_app",
        ("updated", {"Multiplier": "updated"}),
    ),
    "num_cpus": (
        lambda c: changed(c, "fruit_app", "OrangeStand", ray_actor_options={"num_cpus": 0.2}),
        "fruit_app",
        ("updated", {"OrangeStand": "restarted"}),
    ),
    "import_path": (
        _with_app("math_app", import_path="textml.apps.calc:serve_dag"),
        "math_app",
        ("redeployed", dict.fromkeys(("Adder", "Multiplier", "Router"), "restarted")),
    ),
    # The surprise the plan warns of: the first autoscaling_config of an app changes its code version.
    "autoscaling_config added": (
        lambda c: changed(c, "math_app", "Adder", num_replicas="auto", autoscaling_config={"max_replicas": 2}),
        "math_app",
        ("redeployed", dict.fromkeys(("Adder", "Multiplier", "Router"), "restarted")),
    ),
}


def settled(cluster: LocalCluster, config: dict, timeout: float = 180) -> dict:
    """{(app, deployment): replica pids} once Serve runs `config` and stays put: every app RUNNING with the
    options sent, every deployment HEALTHY at its target count, every replica RUNNING, twice in a row."""
    deadline, previous = time.monotonic() + timeout, None
    while True:
        details = cluster.details()["applications"]
        current = _replicas(details, config)
        if current is not None and current == previous:
            return current
        previous = current
        assert time.monotonic() < deadline, f"Serve didn't settle on the config in {timeout}s"
        time.sleep(1.5)


def _replicas(details: dict, config: dict) -> dict | None:
    pids = {}
    for wanted in config["applications"]:
        app = details.get(wanted["name"])
        if not app or app["status"] != "RUNNING":
            return None
        deployed = app["deployed_app_config"]
        if any(deployed.get(key) != value for key, value in wanted.items() if key != "deployments"):
            return None
        sent = {d["name"]: d for d in deployed.get("deployments", [])}
        if any(sent.get(d["name"]) != d for d in wanted.get("deployments", [])):
            return None
        for name, deployment in app["deployments"].items():
            replicas = deployment["replicas"]
            if (
                deployment["status"] != "HEALTHY"
                or len(replicas) != deployment["target_num_replicas"]
                or any(r["state"] != "RUNNING" for r in replicas)
            ):
                return None
            pids[wanted["name"], name] = {r["pid"] for r in replicas}
    return pids


@pytest.mark.parametrize("case", CASES)
def test_plan_predicts_what_serve_does(cluster, base_config, redeploy, case):
    edit, app, expected = CASES[case]
    new_config = edit(base_config)
    predicted = plan(rayservice(base_config, QUICKSTART), rayservice(new_config, QUICKSTART))["applications"][app]
    action, deployments = expected
    assert predicted["action"] == action
    assert {d: a for d, a in predicted["deployments"].items() if a != "unchanged"} == deployments

    before = settled(cluster, base_config)
    redeploy(new_config)
    after = settled(cluster, new_config)
    for deployment, outcome in predicted["deployments"].items():
        old, new = before[app, deployment], after[app, deployment]
        if outcome == "restarted":
            assert not old & new, f"{deployment}: the plan says restarted, but replicas {old & new} lived on"
        else:
            assert old <= new, f"{deployment}: the plan says {outcome}, but replicas {old - new} were replaced"
        if outcome == "scaled":
            assert len(new) > len(old)
