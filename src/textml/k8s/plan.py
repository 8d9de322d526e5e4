"""What `kubectl apply -f NEW` does over the running CURRENT: the RayCluster (KubeRay v1.7.0's rules,
cluster_plan.py), then each Serve application and deployment (Ray Serve's own rules, serve_plan.py).

Pure functions of the two manifests; nothing is sent anywhere. Each answer cites the rule it comes from."""

from pathlib import Path

import yaml

from textml.k8s.cluster_plan import crd_defaults, plan_cluster
from textml.k8s.serve_plan import plan_serve

RULE_SAME_STRING = (
    "rayservice_controller.go:checkIfNeedSubmitServeApplications: the serveConfigV2 string is unchanged, so KubeRay "
    "sends nothing to Serve"
)
RULE_SAME_CONFIG = (
    "checkIfNeedSubmitServeApplications compares the raw string: KubeRay sends the config again, and Serve finds "
    "nothing to change (DeploymentState.deploy ignores an identical target)"
)


def rayservice(path: str | Path) -> dict:
    """The one RayService of a manifest file."""
    documents = [d for d in yaml.safe_load_all(Path(path).read_text()) if isinstance(d, dict)]
    services = [d for d in documents if d.get("kind") == "RayService"]
    if not services and any(d.get("kind") == "RayJob" for d in documents):
        raise ValueError(
            f"{path} holds a RayJob: `textml k8s plan` compares RayServices only. A RayJob is not updated in place: "
            "`kubectl delete` it, then apply it again, to run the job anew on a new cluster"
        )
    if len(services) != 1:
        raise ValueError(f"{path} holds {len(services)} RayServices; the plan compares one with one")
    return services[0]


def _serve_config(manifest: dict, which: str) -> dict:
    text = (manifest.get("spec") or {}).get("serveConfigV2")
    if not isinstance(text, str):
        raise ValueError(f"{which}: spec.serveConfigV2 must be a YAML string (run `textml k8s check`)")
    config = yaml.safe_load(text)
    if not isinstance(config, dict):
        raise ValueError(f"{which}: spec.serveConfigV2 is not a Serve config (run `textml k8s check`)")
    return config


def plan(current: dict, new: dict, crd_path: str | Path | None = None) -> dict:
    """The plan of applying RayService manifest `new` over the running `current`."""
    if current.get("metadata", {}).get("name") != new.get("metadata", {}).get("name"):
        raise ValueError(
            "the two manifests name different RayServices: applying NEW creates a second RayService beside CURRENT"
        )
    suspended = [bool((m.get("spec") or {}).get("suspend")) for m in (current, new)]
    if any(suspended):
        raise ValueError(
            "spec.suspend is set: suspending deletes the RayService's clusters and services, resuming creates them "
            "anew; the plan covers a running RayService updated in place or upgraded"
        )
    cluster = plan_cluster(current, new, crd_defaults(crd_path))
    old_text, new_text = current["spec"].get("serveConfigV2"), new["spec"].get("serveConfigV2")
    old_config, new_config = _serve_config(current, "CURRENT"), _serve_config(new, "NEW")
    fresh = cluster["action"] == "new-cluster"
    try:
        serve = plan_serve(old_config, new_config, fresh=fresh)
    except (ValueError, TypeError) as error:
        raise ValueError(f"Serve would refuse a serveConfigV2 ({error}); run `textml k8s check`") from None
    if fresh:
        applied_to = "the new cluster only (the running cluster keeps CURRENT's until the switch)"
    elif old_text == new_text:
        applied_to = "not sent (the string is unchanged)"
        serve["rules"] = [RULE_SAME_STRING]
    else:
        applied_to = "the running cluster, in place" + (" (after its update)" if cluster["action"] == "updated" else "")
        if old_config == new_config:
            serve["rules"] = [RULE_SAME_CONFIG]
    applications = serve.pop("applications")
    return {"cluster": cluster, "serve_config": {"applied_to": applied_to, **serve}, "applications": applications}


def plan_files(current: str | Path, new: str | Path, crd_path: str | Path | None = None) -> dict:
    return plan(rayservice(current), rayservice(new), crd_path)


def table(result: dict) -> str:
    """The plan as a short table, then the rules and what KubeRay or Serve ignores."""
    cluster = result["cluster"]
    rows = [("cluster", "", cluster["action"], f"upgradeStrategy {cluster['upgrade_strategy']}")]
    for name, app in result["applications"].items():
        rows.append(("application", name, app["action"], ", ".join(app["changes"].get("(application)", []))))
        for deployment, action in app["deployments"].items():
            rows.append(("  deployment", deployment, action, ", ".join(app["changes"].get(deployment, []))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)), row[3]]).rstrip()
        for row in rows
    ]
    if cluster.get("changes") and cluster["action"] != "unchanged":
        lines += ["", "cluster changes:", *(f"  {line}" for line in cluster["changes"])]
    if "peak_resources" in cluster:
        peak = cluster["peak_resources"]
        lines += ["", "while both clusters run:", *(f"  {key}: {_resources(value)}" for key, value in peak.items())]
        lines.append(f"  with upgradeStrategy None instead: {cluster['if_upgrade_strategy_none']}")
    lines += ["", f"serveConfigV2: {result['serve_config']['applied_to']}"]
    ignored = cluster["ignored"] + result["serve_config"]["ignored"]
    if ignored:
        lines += ["", "ignored:", *(f"  {line}" for line in ignored)]
    if result["serve_config"]["notes"]:
        lines += ["", "notes:", *(f"  {line}" for line in result["serve_config"]["notes"])]
    lines += ["", "rules:", *(f"  {rule}" for rule in cluster["rules"] + result["serve_config"]["rules"])]
    return "\n".join(lines)


def _resources(requests: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in requests.items())
