"""A RayService's (or RayJob's) pods: what each asks of Kubernetes, what each offers Ray (as KubeRay v1.7.0
derives it in common/pod.go), and how many of each run."""

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Kubernetes quantity suffixes (k8s.io/apimachinery resource.Quantity).
SUFFIXES = {
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
# common/pod.go customAcceleratorToRayResourceMap: the first of these in a container's limits becomes a Ray resource.
ACCELERATORS = {"aws.amazon.com/neuroncore": "neuron_cores", "google.com/tpu": "TPU"}


def quantity(value) -> Decimal:
    """A Kubernetes quantity ("500m", "2Gi", 1) as a number; ValueError if it isn't one."""
    match = QUANTITY.match(str(value).strip())
    if not match or match.group(2) not in ("", *SUFFIXES):
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a Kubernetes quantity") from None
    return number * SUFFIXES.get(match.group(2), Decimal(1))


def _value(number: Decimal) -> int:
    """resource.Quantity.Value(): rounded up to a whole number, as KubeRay passes it to `ray start`."""
    return math.ceil(number)


def is_gpu(resource: str) -> bool:
    """utils/resources.go IsGPUResourceKey."""
    return resource.endswith("gpu") or bool(re.search(r"nvidia\.com/mig-\d+g\.\d+gb$", resource))


@dataclass(frozen=True)
class PodGroup:
    name: str  # "head" or the worker groupName
    field: str  # where it is in the manifest
    ray: dict  # per pod: what Ray may schedule there {"CPU": 2, "memory": bytes, "GPU": 1, custom...}; absent: unknown
    kubernetes: dict  # per pod: the requests of all its containers (limits where a request is unset)
    pods: int  # pods KubeRay starts (replicas clamped to min/max, times numOfHosts)
    max_pods: int  # pods the autoscaler may reach


def _ray_resources(group: dict) -> dict:
    """generateRayStartCommand and updateRayStartParamsResources (common/pod.go): rayStartParams first, the group's
    `resources` over them, then the Ray container's (containers[0]) limits (CPU: the request when no limit)."""
    params = dict(group.get("rayStartParams") or {})
    custom = _custom(params.get("resources"))
    for name, value in (group.get("resources") or {}).items():
        lowered, number = name.lower(), quantity(value)
        key = {"cpu": "num-cpus", "memory": "memory"}.get(lowered) or ("num-gpus" if is_gpu(lowered) else None)
        if key:
            params[key] = str(_value(number))
        else:
            custom[name] = float(number)
    containers = group.get("template", {}).get("spec", {}).get("containers") or [{}]
    limits = (containers[0].get("resources") or {}).get("limits") or {}
    requests = (containers[0].get("resources") or {}).get("requests") or {}
    ray = {}
    cpu = params.get("num-cpus") or limits.get("cpu") or requests.get("cpu")
    if cpu is not None:
        ray["CPU"] = float(params["num-cpus"]) if "num-cpus" in params else _value(quantity(cpu))
    if "memory" in params:
        ray["memory"] = float(params["memory"])
    elif "memory" in limits:
        ray["memory"] = _value(quantity(limits["memory"]))
    gpus = [_value(quantity(v)) for k, v in sorted(limits.items()) if is_gpu(k) and quantity(v)]
    if "num-gpus" in params or gpus:
        ray["GPU"] = float(params["num-gpus"]) if "num-gpus" in params else gpus[0]
    accelerators = [(ACCELERATORS[k], float(quantity(v))) for k, v in sorted(limits.items()) if k in ACCELERATORS]
    if accelerators and not set(ACCELERATORS.values()) & set(custom):
        custom.setdefault(*accelerators[0])
    return ray | custom


def _custom(text) -> dict:
    if not text:
        return {}
    try:
        return {k: float(v) for k, v in json.loads(str(text).strip("'\"` ")).items()}
    except (ValueError, AttributeError):
        return {}


def _pod_requests(group: dict) -> dict:
    total: dict[str, Decimal] = {}
    for container in group.get("template", {}).get("spec", {}).get("containers") or []:
        resources = container.get("resources") or {}
        asked = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        for name, value in asked.items():
            total[name] = total.get(name, Decimal(0)) + quantity(value)
    return total


def desired_pods(group: dict) -> int:
    """utils/util.go GetWorkerGroupDesiredReplicas: replicas clamped to [minReplicas, maxReplicas], times
    numOfHosts; a suspended group runs none."""
    if group.get("suspend"):
        return 0
    low, high = group.get("minReplicas", 0), group.get("maxReplicas", 2**31 - 1)
    replicas = group.get("replicas")
    replicas = low if replicas is None or replicas < low else min(replicas, high)
    return replicas * group.get("numOfHosts", 1)


def pod_groups(cluster: dict, field: str = "spec.rayClusterConfig") -> list[PodGroup]:
    """The head, then each worker group, of a rayClusterConfig (a RayJob's rayClusterSpec, at `field`)."""
    head = cluster.get("headGroupSpec") or {}
    groups = [PodGroup("head", f"{field}.headGroupSpec", _ray_resources(head), _pod_requests(head), 1, 1)]
    autoscaling = bool(cluster.get("enableInTreeAutoscaling"))
    for index, group in enumerate(cluster.get("workerGroupSpecs") or []):
        pods = desired_pods(group)
        most = group.get("maxReplicas", 2**31 - 1) * group.get("numOfHosts", 1) if autoscaling else pods
        groups.append(
            PodGroup(
                group.get("groupName", f"group {index}"),
                f"{field}.workerGroupSpecs[{index}]",
                _ray_resources(group),
                _pod_requests(group),
                pods,
                0 if group.get("suspend") else max(most, pods),
            )
        )
    return groups


def cluster_requests(groups: list[PodGroup], at_max: bool = False) -> dict:
    """What a cluster's pods ask of Kubernetes altogether: {"pods": n, "cpu": ..., "memory": ...}."""
    total: dict[str, Decimal] = {}
    pods = 0
    for group in groups:
        count = group.max_pods if at_max else group.pods
        pods += count
        for name, value in group.kubernetes.items():
            total[name] = total.get(name, Decimal(0)) + value * count
    return {"pods": pods, **{name: _readable(name, value) for name, value in sorted(total.items())}}


def add_requests(*parts: dict) -> dict:
    total: dict = {}
    for part in parts:
        for name, value in part.items():
            total[name] = total.get(name, 0) + (value if name == "pods" else quantity(value))
    return {name: value if name == "pods" else _readable(name, value) for name, value in total.items()}


def _readable(name: str, value: Decimal) -> str:
    if name == "memory" or name.startswith(("ephemeral-storage", "hugepages")):
        return f"{(value / SUFFIXES['Gi']).normalize():f}Gi"
    return f"{value.normalize():f}"
