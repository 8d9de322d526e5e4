"""Whether the Serve replicas of a RayService can ever be scheduled on its pods: each replica on some pod
(kuberay #1090: num_cpus 3 on 2-CPU pods never ran though the cluster had 5.6 CPUs free), every minimum replica
count at once, each autoscaling max_replicas, and max_replicas_per_node against the number of pods (ray #48471).

A pod offers what KubeRay tells `ray start` (resources.py); replicas ask what Serve resolves for them (their
code's options under the config's, through textml._ray.app_targets)."""

from dataclasses import dataclass

from textml._ray import AppTarget
from textml.k8s.findings import Finding
from textml.k8s.resources import PodGroup, pod_groups

# Ray detects these itself where KubeRay passes nothing: unknown, so never the reason a replica can't fit.
DETECTED = ("CPU", "memory")
SLACK = 1e-9


@dataclass(frozen=True)
class Demand:
    app: str
    deployment: str
    field: str
    resources: dict  # one replica
    minimum: int  # replicas that must run for the app to be RUNNING
    maximum: int  # replicas autoscaling may ask for
    per_node: int | None  # max_replicas_per_node


def _asks(resources: dict) -> dict:
    """What Kubernetes pods can be told to offer: zeros and Ray's automatic labels (accelerator_type:..) left out."""
    return {k: v for k, v in resources.items() if v and not k.startswith(("accelerator_type:", "node:"))}


def fits(resources: dict, offer: dict) -> bool:
    return all(
        (offer.get(name) is None and name in DETECTED) or amount <= (offer.get(name) or 0) + SLACK
        for name, amount in resources.items()
    )


def _demands(config: dict, targets: dict[str, AppTarget], field: str) -> list[Demand]:
    listed = {
        (app.get("name"), entry.get("name")): f"{field}.applications[{i}].deployments[{j}]"
        for i, app in enumerate(config.get("applications") or [])
        for j, entry in enumerate(app.get("deployments") or [])
    }
    apps = {app.get("name"): i for i, app in enumerate(config.get("applications") or [])}
    demands = []
    for app, target in targets.items():
        for name, deployment in target.deployments.items():
            options = deployment.options
            scaling = options.get("autoscaling_config")
            if scaling:
                low = max(scaling.get("min_replicas") or 0, scaling.get("initial_replicas") or 0)
                high = scaling.get("max_replicas") or low
            else:
                low = high = options.get("num_replicas") or 0
            demands.append(
                Demand(
                    app,
                    name,
                    listed.get((app, name), f"{field}.applications[{apps.get(app)}]"),
                    _asks(deployment.resources),
                    low,
                    high,
                    options.get("max_replicas_per_node"),
                )
            )
    return demands


def _offers(groups: list[PodGroup]) -> str:
    return "; ".join(f"{g.name}: {_readable(g.ray)}" for g in groups) or "no pods"


def _readable(resources: dict) -> str:
    return ", ".join(
        f"{name} {amount / 2**30:g}Gi" if name == "memory" else f"{name} {amount:g}"
        for name, amount in sorted(resources.items())
    )


def _unplaced(replicas: list[tuple[Demand, int]], groups: list[PodGroup]) -> int:
    """First-fit decreasing over the pods the cluster can have at most: how many replicas find no pod."""
    items = sorted(
        (demand for demand, count in replicas for _ in range(count)),
        key=lambda d: (-d.resources.get("GPU", 0), -d.resources.get("CPU", 0), -d.resources.get("memory", 0)),
    )
    pods = [
        {"free": dict(group.ray), "held": {}}
        for group in groups
        for _ in range(min(group.max_pods, len(items)))  # never more pods than replicas
    ]
    missing = 0
    for demand in items:
        for pod in pods:
            held = pod["held"].get((demand.app, demand.deployment), 0)
            if (demand.per_node is None or held < demand.per_node) and fits(demand.resources, pod["free"]):
                for name, amount in demand.resources.items():
                    if pod["free"].get(name) is not None:
                        pod["free"][name] -= amount
                pod["held"][demand.app, demand.deployment] = held + 1
                break
        else:
            missing += 1
    return missing


def _spread(demand: Demand, nodes: int) -> list[Finding]:
    """max_replicas_per_node against the pods that can host a replica: the minimum must fit (error), the
    autoscaling maximum should (warning)."""
    for count, severity, what in ((demand.minimum, "error", "needs"), (demand.maximum, "warning", "may ask for")):
        if demand.per_node and demand.per_node * nodes < count:
            return [
                Finding(
                    severity,
                    f"{demand.field}.max_replicas_per_node",
                    f"{demand.deployment} {what} {count} replicas at most {demand.per_node} per node, but at most "
                    f"{nodes} pods can host one",
                    "raise the worker group's maxReplicas (or replicas), or max_replicas_per_node",
                )
            ]
    return []


def check_fit(spec: dict, config: dict, targets: dict[str, AppTarget], field: str = "spec.serveConfigV2") -> list:
    groups = [g for g in pod_groups(spec.get("rayClusterConfig") or {}) if g.max_pods > 0]
    demands = _demands(config, targets, field)
    findings, placeable = [], []
    for demand in demands:
        hosts = [g for g in groups if fits(demand.resources, g.ray)]
        if not hosts:
            findings.append(
                Finding(
                    "error",
                    f"{demand.field}.ray_actor_options",
                    f"a {demand.deployment} replica asks {_readable(demand.resources)}, which no pod offers "
                    f"({_offers(groups)}): it is never scheduled (kuberay #1090)",
                    "ask less, or add a worker group whose pods offer that much (container limits or rayStartParams)",
                )
            )
            continue
        spread = _spread(demand, sum(g.max_pods for g in hosts))
        findings += spread
        if not any(f.severity == "error" for f in spread):  # one named already isn't counted again below
            placeable.append(demand)
    minimum = [(d, d.minimum) for d in placeable]
    missing = _unplaced(minimum, groups)
    if missing:
        findings.append(
            Finding(
                "error",
                field,
                f"{missing} of the {sum(c for _, c in minimum)} replicas the apps need find no room on the most "
                f"pods this cluster can have ({_offers(groups)}): the apps never become RUNNING",
                "give the worker groups more or bigger pods (maxReplicas, resources), or ask less of the replicas",
            )
        )
        return findings
    for demand in placeable:
        if demand.maximum > demand.minimum:
            counts = [(d, d.maximum if d is demand else d.minimum) for d in placeable]
            missing = _unplaced(counts, groups)
            if missing:
                findings.append(
                    Finding(
                        "warning",
                        f"{demand.field}.autoscaling_config.max_replicas",
                        f"{demand.deployment} can't reach {demand.maximum} replicas: {missing} find no room on the "
                        "most pods this cluster can have",
                        "raise the worker group's maxReplicas (with enableInTreeAutoscaling) or lower max_replicas",
                    )
                )
    return findings
