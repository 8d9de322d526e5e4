"""`textml k8s plan`: the cluster outcome for cases taken from KubeRay v1.7.0's own tests, and each deployment's
outcome as Ray Serve 2.60 classifies it (pinned, so a Ray upgrade that changes a rule fails here)."""

import copy
import json

import pytest
import ray
import yaml

from helpers.config import changed
from helpers.paths import CRD, KUBERNETES, SERVE_CONFIG
from textml import serve_config
from textml._ray import deployment_option_update_types
from textml.cli.main import main
from textml.k8s.cluster_plan import BUILT_IN_DEFAULTS, crd_defaults, hashed_spec
from textml.k8s.plan import plan
from textml.k8s.serve_plan import plan_serve

QUICKSTART_SERVE = yaml.safe_load(
    next(d for d in yaml.safe_load_all((KUBERNETES / "quickstart.yaml").read_text()) if d)["spec"]["serveConfigV2"]
)


def _container(name: str) -> dict:
    return {
        "name": name,
        "image": "rayproject/ray:2.60.0",
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
    }


def _service(**spec) -> dict:
    """The RayService of KubeRay's TestIsClusterSpecHashEqual (one worker group "worker-group-1", replicas 1),
    with pods and the quick start's serveConfigV2."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "rayservice-sample"},
        "spec": {
            "serveConfigV2": yaml.safe_dump(QUICKSTART_SERVE),
            "rayClusterConfig": {
                "rayVersion": "2.60.0",
                "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [_container("ray-head")]}}},
                "workerGroupSpecs": [_group("worker-group-1")],
            },
            **spec,
        },
    }


def _group(name: str, replicas: int = 1) -> dict:
    return {
        "groupName": name,
        "replicas": replicas,
        "minReplicas": 1,
        "maxReplicas": 4,
        "rayStartParams": {},
        "template": {"spec": {"containers": [_container("ray-worker")]}},
    }


def _edit(*edits):
    def apply(service):
        service = copy.deepcopy(service)
        for edit in edits:
            edit(service["spec"])
        return service

    return apply


def _cluster(spec):
    return spec["rayClusterConfig"]


def _workers(spec):
    return _cluster(spec)["workerGroupSpecs"]


def _head_pod(spec):
    return _cluster(spec)["headGroupSpec"]["template"]["spec"]


def _serve(edit):
    def apply(spec):
        config = yaml.safe_load(spec["serveConfigV2"])
        edit(config)
        spec["serveConfigV2"] = yaml.safe_dump(config)

    return apply


def _price(config):
    serve_config.deployment(config, "fruit_app", "MangoStand")["user_config"]["price"] = 4


TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

# id (naming KubeRay's test): (edit of the RayService, cluster action, words in the plan's cluster part)
CLUSTER_CASES = {
    "TestGenerateHashWithoutReplicasAndWorkersToDelete: replicas++ is muted": (
        _edit(lambda s: _workers(s)[0].update(replicas=2)),
        "unchanged",
        "workerGroupSpecs[0].replicas 1 -> 2: not applied",
    ),
    "TestGenerateHashWithoutReplicasAndWorkersToDelete: RayVersion is not muted": (
        _edit(lambda s: _cluster(s).update(rayVersion="2.100.0")),
        "new-cluster",
        "rayVersion: '2.60.0' -> '2.100.0'",
    ),
    "TestGenerateHashWithoutReplicasAndWorkersToDelete: tolerations (Kueue) are muted": (
        _edit(
            lambda s: _head_pod(s).update(tolerations=[TOLERATION]),
            lambda s: _workers(s)[0]["template"]["spec"].update(tolerations=[TOLERATION]),
        ),
        "unchanged",
        "pod tolerations: not applied",
    ),
    "TestGenerateHashWithoutReplicasAndWorkersToDelete: schedulingGates (Kueue) are muted": (
        _edit(lambda s: _head_pod(s).update(schedulingGates=[{"name": "kueue.x-k8s.io/admission"}])),
        "unchanged",
        "schedulingGates",
    ),
    "TestIsClusterSpecHashEqual: [full] diff replicas (envtest: autoscaler updates don't upgrade)": (
        _edit(lambda s: _workers(s)[0].update(replicas=2, minReplicas=2, maxReplicas=5)),
        "unchanged",
        "maxReplicas 4 -> 5",
    ),
    "TestIsClusterSpecHashEqual: [partial] new worker group": (
        _edit(lambda s: _workers(s).append(_group("worker-group-2"))),
        "updated",
        "isClusterSpecHashEqual(partial=true)",
    ),
    "TestIsClusterSpecHashEqual: [partial] diff replicas + new worker group": (
        _edit(lambda s: _workers(s)[0].update(replicas=2), lambda s: _workers(s).append(_group("worker-group-2"))),
        "updated",
        "existing groups' replicas",
    ),
    "TestIsClusterSpecHashEqual: [partial] update cluster spec + new worker group": (
        _edit(lambda s: _cluster(s).update(rayVersion="new-version"), lambda s: _workers(s).append(_group("g2"))),
        "new-cluster",
        "workerGroupSpecs[1]: added",
    ),
    "isClusterSpecHashEqual: a removed worker group hashes nothing alike": (
        _edit(lambda s: _workers(s).append(_group("worker-group-2"))),  # applied the other way round below
        "new-cluster",
        "workerGroupSpecs[1]: removed",
    ),
    "isClusterSpecHashEqual: a group inserted before the others is not an append": (
        _edit(lambda s: _workers(s).insert(0, _group("worker-group-0"))),
        "new-cluster",
        "groupName: 'worker-group-1' -> 'worker-group-0'",
    ),
    "TestIsZeroDowntimeUpgradeEnabled: upgradeStrategy nil behaves as NewCluster": (
        _edit(lambda s: s.pop("upgradeStrategy"), lambda s: _cluster(s).update(rayVersion="2.100.0")),
        "new-cluster",
        "ENABLE_ZERO_DOWNTIME",
    ),
    "TestIsZeroDowntimeUpgradeEnabled: None creates no cluster": (
        _edit(lambda s: s.update(upgradeStrategy={"type": "None"}), lambda s: _cluster(s).update(rayVersion="x")),
        "unchanged",
        "NOT applied: upgradeStrategy None",
    ),
    "TestOldHeadPodFailDuringUpgrade: a head initContainer is a zero-downtime upgrade": (
        _edit(lambda s: _head_pod(s).update(initContainers=[{"name": "init", "image": "busybox"}])),
        "new-cluster",
        "initContainers",
    ),
    "RayIncrementalUpgrade: NewClusterWithIncrementalUpgrade shifts traffic step by step": (
        _edit(
            lambda s: s.update(upgradeStrategy={"type": "NewClusterWithIncrementalUpgrade"}),
            lambda s: _cluster(s).update(rayVersion="2.100.0"),
        ),
        "new-cluster",
        "stepSizePercent",
    ),
    "CRD defaults: numOfHosts 1 written out is the same spec": (
        _edit(lambda s: _workers(s)[0].update(numOfHosts=1, priority=0)),
        "unchanged",
        "",
    ),
    "resource.Quantity: cpu 1000m is cpu 1, 2048Mi is 2Gi": (
        _edit(
            lambda s: _workers(s)[0]["template"]["spec"]["containers"][0]["resources"].update(
                limits={"cpu": "1000m", "memory": "2048Mi"}
            )
        ),
        "unchanged",
        "",
    ),
    "rayStartParams has no omitempty: {} and unset hash differently": (
        _edit(lambda s: _workers(s)[0].pop("rayStartParams")),
        "new-cluster",
        "rayStartParams: {} -> (unset)",
    ),
    "TestConstructRayClusterForRayService: annotations reach a cluster only when one is made": (
        _edit(lambda s: None),  # metadata edited below
        "unchanged",
        "metadata.annotations",
    ),
}


@pytest.mark.parametrize("case", CLUSTER_CASES)
def test_cluster_outcome_follows_kuberay(case):
    """Each case's cluster action and reason, as KubeRay v1.7.0's tests of the hash and upgrade rules expect."""
    edit, action, words = CLUSTER_CASES[case]
    current = _service(upgradeStrategy={"type": "NewCluster"})
    new = edit(current)
    if "removed worker group" in case:
        current, new = new, current
    if "annotations" in case:
        new["metadata"]["annotations"] = {"team": "serving"}
    result = plan(current, new)["cluster"]
    assert result["action"] == action, result
    text = json.dumps(result)
    assert words in text, text
    assert ray.is_initialized() is False


def test_new_cluster_names_peak_resources_and_the_none_alternative():
    """A new cluster runs beside the old one: the plan adds up both clusters' pod requests and says what
    upgradeStrategy None would do instead."""
    current = _service(upgradeStrategy={"type": "NewCluster"})
    new = _edit(lambda s: _cluster(s).update(rayVersion="2.100.0"), lambda s: _workers(s)[0].update(replicas=3))(
        current
    )
    cluster = plan(current, new)["cluster"]
    assert cluster["peak_resources"] == {
        "current_cluster": {"pods": 2, "cpu": "2", "memory": "4Gi"},
        "new_cluster": {"pods": 4, "cpu": "4", "memory": "8Gi"},
        "both": {"pods": 6, "cpu": "6", "memory": "12Gi"},
    }
    assert "keeps its old rayClusterConfig" in cluster["if_upgrade_strategy_none"]


def test_serve_config_goes_where_kuberay_sends_it():
    """KubeRay's e2e tests: a serveConfigV2 change alone is applied in place (TestRayServiceInPlaceUpdate); with a
    cluster change it goes to the new cluster only (TestUpdateServeConfigAndRayClusterSpec), unless the upgrade is
    disabled, when it is applied in place and the cluster is left as it was
    (TestUpdateServeConfigAndRayClusterSpecWithUpgradeDisabled)."""
    current = _service(upgradeStrategy={"type": "NewCluster"})
    in_place = plan(current, _edit(_serve(_price))(current))
    assert in_place["cluster"]["action"] == "unchanged"
    assert in_place["serve_config"]["applied_to"].startswith("the running cluster")
    assert in_place["applications"]["fruit_app"] == {
        "action": "updated",
        "deployments": {"MangoStand": "reconfigured", "OrangeStand": "unchanged", "PearStand": "unchanged",
                        "FruitMarket": "unchanged"},
        "changes": {"MangoStand": ["user_config (NeedsActorReconfigure)"]},
    }  # fmt: skip
    head_env = lambda s: _head_pod(s)["containers"][0].update(env=[{"name": "FOO", "value": "BAR"}])  # noqa: E731
    upgrade = plan(current, _edit(_serve(_price), head_env)(current))
    assert upgrade["cluster"]["action"] == "new-cluster"
    assert upgrade["serve_config"]["applied_to"].startswith("the new cluster only")
    assert {app["action"] for app in upgrade["applications"].values()} == {"redeployed"}
    disabled = _service(upgradeStrategy={"type": "None"})
    kept = plan(disabled, _edit(_serve(_price), head_env)(disabled))
    assert kept["cluster"]["action"] == "unchanged"
    assert kept["applications"]["fruit_app"]["deployments"]["MangoStand"] == "reconfigured"
    assert any("NOT applied" in line for line in kept["cluster"]["ignored"])


def test_unchanged_string_sends_nothing():
    """checkIfNeedSubmitServeApplications compares the raw string: the same string is not sent again."""
    current = _service()
    result = plan(current, copy.deepcopy(current))
    assert result["serve_config"]["applied_to"].startswith("not sent")
    assert {app["action"] for app in result["applications"].values()} == {"unchanged"}


def test_built_in_defaults_are_the_crds():
    """Without --crd the plan fills in a few defaults itself: each is the default KubeRay's CRD declares, and with
    the CRD the quick start hashes the same."""
    if not CRD.is_file():
        pytest.skip(f"no KubeRay CRD at {CRD}")
    schema = crd_defaults(CRD)["schema"]
    for path, default in BUILT_IN_DEFAULTS.items():
        node = schema
        for part in path.split("."):
            node = node["properties"][part.removesuffix("[]")]
            node = node["items"] if part.endswith("[]") else node
        assert node["default"] == default, path
    cluster = _service()["spec"]["rayClusterConfig"]
    assert hashed_spec(cluster, crd_defaults(CRD)) == hashed_spec(cluster, crd_defaults(None))


# Ray Serve 2.60's update type of each DeploymentConfig option (ray/serve/_private/config.py). When Ray changes one,
# this fails: re-read the new rule and update the plan's documentation with it.
UPDATE_TYPES = {
    "num_replicas": "LightWeight",
    "max_ongoing_requests": "NeedsActorReconfigure",
    "max_queued_requests": "LightWeight",
    "backpressure_config": "NeedsActorReconfigure",
    "user_config": "NeedsActorReconfigure",
    "graceful_shutdown_timeout_s": "NeedsReconfigure",
    "graceful_shutdown_wait_loop_s": "NeedsActorReconfigure",
    "health_check_period_s": "NeedsReconfigure",
    "health_check_timeout_s": "NeedsReconfigure",
    "autoscaling_config": "NeedsActorReconfigure",
    "request_router_config": "NeedsActorReconfigure",
    "version": "HeavyWeight",
    "logging_config": "NeedsActorReconfigure",
    "max_constructor_retry_count": "NeedsReconfigure",
    "gang_scheduling_config": "HeavyWeight",
    "deployment_actors": "HeavyWeight",
    "rolling_update_percentage": "LightWeight",
    "max_surge_percent": "LightWeight",
}


def test_serve_update_types_are_pinned():
    """The plan reads Serve's own update type of each deployment option; these are Ray 2.60.0's."""
    assert deployment_option_update_types() == UPDATE_TYPES


def _app(config, name):
    return next(app for app in config["applications"] if app["name"] == name)


def _set_app(name, **options):
    def edit(config):
        config = copy.deepcopy(config)
        _app(config, name).update(options)
        return config

    return edit


def _drop_entry(config):
    config = copy.deepcopy(config)
    _app(config, "fruit_app")["deployments"] = [
        d for d in _app(config, "fruit_app")["deployments"] if d["name"] != "MangoStand"
    ]
    return config


MANGO = ("fruit_app", "MangoStand")
# change: (edit of the Serve config, the app, its action, {deployment: action} for those not "unchanged")
SERVE_CASES = {
    "user_config": (lambda c: changed(c, *MANGO, user_config={"price": 4}), "updated", {"MangoStand": "reconfigured"}),
    "num_replicas": (lambda c: changed(c, *MANGO, num_replicas=2), "updated", {"MangoStand": "scaled"}),
    # get_app_code_version lists each deployment's autoscaling policy ([] -> [None]): the whole app is rebuilt.
    "autoscaling_config added": (
        lambda c: changed(c, *MANGO, num_replicas="auto", autoscaling_config={"min_replicas": 1, "max_replicas": 3}),
        "redeployed",
        dict.fromkeys(("MangoStand", "OrangeStand", "PearStand", "FruitMarket"), "restarted"),
    ),
    "max_ongoing_requests": (
        lambda c: changed(c, *MANGO, max_ongoing_requests=3),
        "updated",
        {"MangoStand": "updated"},
    ),
    "max_queued_requests": (lambda c: changed(c, *MANGO, max_queued_requests=9), "updated", {"MangoStand": "updated"}),
    "health_check_period_s": (
        lambda c: changed(c, *MANGO, health_check_period_s=3),
        "updated",
        {"MangoStand": "updated"},
    ),
    "num_cpus": (
        lambda c: changed(c, *MANGO, ray_actor_options={"num_cpus": 0.2}),
        "updated",
        {"MangoStand": "restarted"},
    ),
    "deployment runtime_env": (
        lambda c: changed(c, *MANGO, ray_actor_options={"num_cpus": 0.1, "runtime_env": {"env_vars": {"A": "1"}}}),
        "updated",
        {"MangoStand": "restarted"},
    ),
    "max_replicas_per_node": (
        lambda c: changed(c, *MANGO, max_replicas_per_node=1),
        "updated",
        {"MangoStand": "restarted"},
    ),
    "entry removed: the code's options come back (num_cpus 1)": (_drop_entry, "updated", {"MangoStand": "restarted"}),
    "route_prefix": (_set_app("fruit_app", route_prefix="/fruits"), "updated", {"FruitMarket": "updated"}),
    "import_path": (
        _set_app("fruit_app", import_path="textml.apps.fruit:deployment_graph"),
        "redeployed",
        dict.fromkeys(("MangoStand", "OrangeStand", "PearStand", "FruitMarket"), "restarted"),
    ),
    "app runtime_env": (
        _set_app("fruit_app", runtime_env={"env_vars": {"A": "1"}}),
        "redeployed",
        dict.fromkeys(("MangoStand", "OrangeStand", "PearStand", "FruitMarket"), "restarted"),
    ),
}


def test_autoscaling_bounds_only_scale():
    """Once a deployment autoscales, new bounds or a new target only change its replica target."""
    base = changed(serve_config.load(SERVE_CONFIG), *MANGO, num_replicas="auto", autoscaling_config={"max_replicas": 3})
    new = changed(base, *MANGO, autoscaling_config={"max_replicas": 5, "target_ongoing_requests": 3})
    assert plan_serve(base, new)["applications"]["fruit_app"]["deployments"]["MangoStand"] == "scaled"


@pytest.mark.parametrize("case", SERVE_CASES)
def test_deployment_outcome_is_serves(case):
    """Each option change gets the outcome Serve's controller gives it (its DeploymentVersion and app code
    version); every other deployment is unchanged."""
    edit, app_action, actions = SERVE_CASES[case]
    base = serve_config.load(SERVE_CONFIG)
    app = plan_serve(base, edit(base))["applications"]["fruit_app"]
    assert app["action"] == app_action
    assert {name: action for name, action in app["deployments"].items() if action != "unchanged"} == actions


def test_apps_added_deleted_and_top_level_options():
    """Apps missing from the new config are deleted and new ones added; http_options of a running Serve are kept
    (a warning in its log, nothing else), which the plan says; target_capacity scales every deployment."""
    base = serve_config.load(SERVE_CONFIG)
    new = copy.deepcopy(base)
    new["applications"] = [a for a in new["applications"] if a["name"] != "math_app"]
    new["applications"].append({**_app(base, "math_app"), "name": "calc_app", "route_prefix": "/calc2"})
    new["http_options"]["port"] = 8001
    new["target_capacity"] = 50
    result = plan_serve(base, new)
    assert result["applications"]["math_app"]["action"] == "deleted"
    assert result["applications"]["calc_app"]["action"] == "added"
    assert set(result["applications"]["fruit_app"]["deployments"].values()) == {"scaled"}
    assert any(line.startswith("http_options") for line in result["ignored"])


def test_plan_command(tmp_path, capsys):
    """`textml k8s plan` prints a table, and with --json the contract's keys."""
    current = _service(upgradeStrategy={"type": "NewCluster"})
    paths = []
    for name, service in (("current", current), ("new", _edit(_serve(_price))(current))):
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(yaml.safe_dump(service))
    assert main(["k8s", "plan", *map(str, paths)]) == 0
    table = capsys.readouterr().out
    assert "MangoStand" in table and "reconfigured" in table
    assert main(["k8s", "plan", "--json", *map(str, paths)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"cluster", "applications"}
    assert set(result["cluster"]) >= {"action", "rules", "ignored", "upgrade_strategy"}
    assert set(result["applications"]["fruit_app"]) >= {"action", "deployments"}


def test_suspend_is_refused_by_name():
    """A suspended RayService has no cluster to update: the plan says so instead of answering "unchanged"."""
    current = _service()
    with pytest.raises(ValueError, match="spec.suspend"):
        plan(current, _edit(lambda s: s.update(suspend=True))(current))
