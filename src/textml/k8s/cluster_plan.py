"""What KubeRay v1.7.0 does with the RayCluster when a RayService is applied over another: unchanged, updated in
place, or a new cluster. Hand-encoded from ray-operator/controllers/ray at tag v1.7.0; each rule cites its
file:function. It assumes the current spec runs (no upgrade or rollback in progress) under a v1.7.0 operator
with its default settings."""

import copy
from pathlib import Path

import yaml

from textml.k8s.crd import rayservice_schema
from textml.k8s.resources import add_requests, cluster_requests, pod_groups, quantity

# The CRD defaults that most often make two specs differ only on paper (ray.io_rayservices.yaml, v1.7.0).
# With --crd, every default the CRD declares is applied instead; a unit test holds these to the CRD.
BUILT_IN_DEFAULTS = {
    "workerGroupSpecs[].numOfHosts": 1,
    "workerGroupSpecs[].priority": 0,
    "headGroupSpec.template.spec.containers[].ports[].protocol": "TCP",
    "workerGroupSpecs[].template.spec.containers[].ports[].protocol": "TCP",
}
# Maps of Kubernetes types with `omitempty`: empty and absent marshal the same.
OMITEMPTY_MAPS = {"labels", "annotations", "nodeSelector", "headServiceAnnotations", "resources", "limits", "requests"}
INITIALIZING_TIMEOUT = "ray.io/initializing-timeout"

RULE_HASH = (
    "utils/util.go:GenerateHashWithoutReplicasAndWorkersToDelete: the RayCluster is compared by a hash of "
    "rayClusterConfig without worker replicas/minReplicas/maxReplicas/workersToDelete, tolerations, "
    "schedulingGates, upgradeStrategy and suspend"
)
RULE_EQUAL = "rayservice_controller.go:isClusterSpecHashEqual(partial=false): the hashes are equal, nothing to do"
RULE_APPEND = (
    "rayservice_controller.go:shouldUpdateCluster / isClusterSpecHashEqual(partial=true): with the new worker "
    "groups at the end cut off the hashes are equal, so modifyRayCluster updates the cluster in place"
)
RULE_NEW = (
    "rayservice_controller.go:shouldPrepareNewCluster: the hashes differ, so a pending cluster is created; "
    "services switch to it once its Serve apps are ready, and the old cluster is deleted "
    "rayClusterDeletionDelaySeconds (default 60) later"
)
RULE_NONE = (
    "rayservice_controller.go:isZeroDowntimeUpgradeEnabled: upgradeStrategy.type None creates no new cluster, and "
    "shouldUpdateCluster doesn't update in place either: the running cluster keeps its old spec"
)
RULE_UNSET = (
    "rayservice_controller.go:isZeroDowntimeUpgradeEnabled: upgradeStrategy unset behaves as NewCluster unless the "
    "operator runs with ENABLE_ZERO_DOWNTIME=false (then as None), which a manifest can't show"
)
RULE_INCREMENTAL = (
    "rayservice_controller.go:isZeroDowntimeUpgradeEnabled: NewClusterWithIncrementalUpgrade (feature gate "
    "RayServiceIncrementalUpgrade, Beta, on by default in v1.7.0) shifts traffic through the Gateway by "
    "stepSizePercent every intervalSeconds; the pending cluster starts with no worker replicas and the autoscaler "
    "grows it, at most maxSurgePercent ahead"
)


def crd_defaults(crd_path: str | Path | None) -> dict:
    """The rayClusterConfig schema of the RayService CRD (its defaults), or the built-in defaults."""
    if crd_path is None:
        return {"built-in": BUILT_IN_DEFAULTS}
    return {"schema": rayservice_schema(str(crd_path))["properties"]["spec"]["properties"]["rayClusterConfig"]}


def _apply_schema_defaults(value, schema: dict):
    """Fills in the defaults the API server writes into objects that are present (structural-schema defaulting)."""
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                _apply_schema_defaults(value[name], sub)
        if isinstance(schema.get("additionalProperties"), dict):
            for key in value:
                if key not in (schema.get("properties") or {}):
                    _apply_schema_defaults(value[key], schema["additionalProperties"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _apply_schema_defaults(item, schema["items"])


def _apply_path_defaults(value, path: list[str], default):
    if not path:
        return
    name, rest = path[0], path[1:]
    many = name.endswith("[]")
    name = name.removesuffix("[]")
    if not isinstance(value, dict):
        return
    if not rest:
        value.setdefault(name, default)
        return
    child = value.get(name)
    for item in (child or []) if many else [child]:
        _apply_path_defaults(item, rest, default)


def _canonical(value, key: str = ""):
    """Quantities as numbers (resource.Quantity marshals canonically: 1000m == 1, 2048Mi == 2Gi); empty omitempty
    maps and empty lists dropped (they marshal as absent)."""
    if isinstance(value, dict):
        result = {}
        for name, item in value.items():
            item = _canonical(item, name)
            if item in ({}, []) and (name in OMITEMPTY_MAPS or isinstance(item, list)):
                continue
            result[name] = item
        if key in ("limits", "requests") or (key == "resources" and all(isinstance(v, str) for v in result.values())):
            result = {name: _quantity_or_same(item) for name, item in result.items()}
        return result
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _quantity_or_same(value):
    try:
        return f"{quantity(value).normalize():f}"
    except ValueError:
        return value


def hashed_spec(cluster: dict, defaults: dict) -> dict:
    """rayClusterConfig as KubeRay hashes it: CRD defaults filled in, then the fields
    GenerateHashWithoutReplicasAndWorkersToDelete (utils/util.go) and rayClusterSpecForHashing
    (rayservice_controller.go) leave out removed."""
    spec = copy.deepcopy(cluster or {})
    if "schema" in defaults:
        _apply_schema_defaults(spec, defaults["schema"])
    for path, default in defaults.get("built-in", {}).items():
        _apply_path_defaults(spec, path.split("."), default)
    spec.pop("suspend", None)
    spec.pop("upgradeStrategy", None)
    pod = spec.get("headGroupSpec", {}).get("template", {}).get("spec", {})
    pod.pop("tolerations", None)
    pod.pop("schedulingGates", None)
    for group in spec.get("workerGroupSpecs") or []:
        for name in ("replicas", "minReplicas", "maxReplicas"):
            group.pop(name, None)
        group.get("scaleStrategy", {}).pop("workersToDelete", None)
        pod = group.get("template", {}).get("spec", {})
        pod.pop("tolerations", None)
        pod.pop("schedulingGates", None)
    return _canonical(spec)


def differences(old, new, path: str = "") -> list[str]:
    """Each place two values differ, as 'path: old -> new'."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            line
            for key in [*old, *(k for k in new if k not in old)]
            for line in differences(old.get(key, _ABSENT), new.get(key, _ABSENT), f"{path}.{key}" if path else key)
        ]
    if isinstance(old, list) and isinstance(new, list):
        pairs = enumerate(zip(old, new, strict=False))
        lines = [line for i, (a, b) in pairs for line in differences(a, b, f"{path}[{i}]")]
        lines += [f"{path}[{i}]: added" for i in range(len(old), len(new))]
        lines += [f"{path}[{i}]: removed" for i in range(len(new), len(old))]
        return lines
    if old == new:
        return []
    return [f"{path}: {_short(old)} -> {_short(new)}"]


class _Absent:
    def __repr__(self):
        return "(unset)"


_ABSENT = _Absent()


def _short(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True).strip() if isinstance(value, (dict, list)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unhashed_changes(current: dict, new: dict) -> list[str]:
    """Changes to fields the hash leaves out: they reach a cluster only when one is created or updated in place."""
    lines = []
    old_cluster = (current.get("spec") or {}).get("rayClusterConfig") or {}
    new_cluster = (new.get("spec") or {}).get("rayClusterConfig") or {}
    old_groups, new_groups = old_cluster.get("workerGroupSpecs") or [], new_cluster.get("workerGroupSpecs") or []
    for index, (old, group) in enumerate(zip(old_groups, new_groups, strict=False)):
        for name in ("replicas", "minReplicas", "maxReplicas"):
            if old.get(name) != group.get(name):
                lines.append(
                    f"workerGroupSpecs[{index}].{name} {old.get(name)} -> {group.get(name)}: not applied to the "
                    "running cluster (KubeRay leaves worker replica counts out of the hash on purpose: the autoscaler "
                    "owns them); it takes effect only when a cluster is created or updated in place"
                )
        if old.get("scaleStrategy") != group.get("scaleStrategy"):
            lines.append(f"workerGroupSpecs[{index}].scaleStrategy.workersToDelete: the autoscaler's field, not hashed")
        for name in ("tolerations", "schedulingGates"):
            if _pod(old).get(name) != _pod(group).get(name):
                lines.append(f"workerGroupSpecs[{index}] pod {name}: not applied to the running cluster (not hashed)")
    for name in ("tolerations", "schedulingGates"):
        if _pod(old_cluster.get("headGroupSpec")).get(name) != _pod(new_cluster.get("headGroupSpec")).get(name):
            lines.append(f"headGroupSpec pod {name}: not applied to the running cluster (not hashed)")
    if old_cluster.get("suspend") != new_cluster.get("suspend"):
        lines.append("rayClusterConfig.suspend: passed to a RayCluster only when it is created")
    old_meta, new_meta = current.get("metadata") or {}, new.get("metadata") or {}
    for name in ("labels", "annotations"):
        old, fresh = old_meta.get(name) or {}, new_meta.get(name) or {}
        if old != fresh:
            timeout = old.get(INITIALIZING_TIMEOUT) != fresh.get(INITIALIZING_TIMEOUT)
            lines.append(
                f"metadata.{name}: copied to the RayCluster only when one is created or updated in place "
                "(constructRayClusterForRayService)"
                + (f"; {INITIALIZING_TIMEOUT} itself is read by the RayService controller at once" if timeout else "")
            )
    return lines


def _pod(group) -> dict:
    return ((group or {}).get("template") or {}).get("spec") or {}


def _service_changes(current: dict, new: dict, switching: bool) -> list[str]:
    """RayService fields outside rayClusterConfig that change nothing by themselves."""
    lines = []
    if current.get("serveService") != new.get("serveService") and not switching:
        lines.append("serveService: applied only when the services switch to another cluster (reconcileServices)")
    if current.get("rayClusterDeletionDelaySeconds") != new.get("rayClusterDeletionDelaySeconds"):
        lines.append("rayClusterDeletionDelaySeconds: changes only how long an old cluster lingers after a switch")
    if current.get("upgradeStrategy") != new.get("upgradeStrategy"):
        lines.append("upgradeStrategy: does nothing by itself; it decides how the next hashed change is applied")
    return lines


def plan_cluster(current: dict, new: dict, defaults: dict) -> dict:
    """The cluster part of the plan, for the RayService manifests `current` (running) and `new` (applied)."""
    old_spec, new_spec = current.get("spec") or {}, new.get("spec") or {}
    old_hash = hashed_spec(old_spec.get("rayClusterConfig"), defaults)
    new_hash = hashed_spec(new_spec.get("rayClusterConfig"), defaults)
    strategy = (new_spec.get("upgradeStrategy") or {}).get("type")
    result = {"action": "unchanged", "upgrade_strategy": strategy or "unset (NewCluster)", "rules": [RULE_HASH]}
    changes = differences(old_hash, new_hash)
    kept = len(old_hash.get("workerGroupSpecs") or [])
    appended = (
        len(new_hash.get("workerGroupSpecs") or []) > kept
        and {**new_hash, "workerGroupSpecs": new_hash["workerGroupSpecs"][:kept]} == old_hash
    )
    unhashed = _unhashed_changes(current, new)
    if not changes:
        result["rules"].append(RULE_EQUAL)
        ignored = unhashed + _service_changes(old_spec, new_spec, switching=False)
    elif appended:
        result["action"] = "updated"
        result["rules"].append(RULE_APPEND)
        ignored = _service_changes(old_spec, new_spec, switching=False) + [
            "the in-place update (modifyRayCluster) writes the whole new spec: existing groups' replicas/minReplicas/"
            "maxReplicas are set to this manifest's values, which may undo the autoscaler's"
        ]
    elif strategy == "None":
        result["rules"].append(RULE_NONE)
        ignored = [
            f"{line} -- NOT applied: upgradeStrategy None (set NewCluster to upgrade; upgradeStrategy isn't hashed, "
            "so the next reconcile then starts the new cluster)"
            for line in changes
        ]
        ignored += unhashed + _service_changes(old_spec, new_spec, switching=False)
    else:
        result["action"] = "new-cluster"
        result["rules"].append(RULE_NEW)
        if strategy is None:
            result["rules"].append(RULE_UNSET)
        elif strategy == "NewClusterWithIncrementalUpgrade":
            result["rules"].append(RULE_INCREMENTAL)
        result["peak_resources"] = peak_resources(old_spec, new_spec)
        result["if_upgrade_strategy_none"] = (
            "no new cluster and no in-place update: the running cluster keeps its old rayClusterConfig, and "
            "serveConfigV2 is applied to it in place"
        )
        ignored = _service_changes(old_spec, new_spec, switching=True)
    result["changes"] = changes
    result["ignored"] = ignored
    return result


def peak_resources(old_spec: dict, new_spec: dict) -> dict:
    """What both clusters ask of Kubernetes while they run side by side (pod requests, limits where unset)."""
    old_groups = pod_groups(old_spec.get("rayClusterConfig") or {})
    new_groups = pod_groups(new_spec.get("rayClusterConfig") or {})
    current, upcoming = cluster_requests(old_groups), cluster_requests(new_groups)
    peak = {"current_cluster": current, "new_cluster": upcoming, "both": add_requests(current, upcoming)}
    autoscaled = [cluster_requests(groups, at_max=True) for groups in (old_groups, new_groups)]
    if autoscaled != [current, upcoming]:
        peak["both_at_max_replicas"] = add_requests(*autoscaled)
    return peak
