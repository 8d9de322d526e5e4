"""What KubeRay v1.7.0 refuses or quietly changes in a RayService that the CRD schema lets through
(ray-operator/controllers/ray/utils/validation.go and friends). A refused RayService gets Ready=False with reason
ValidationFailed, and nothing else happens: the old cluster keeps serving the old config."""

import re

from textml.k8s.findings import Finding

MAX_NAME = 47  # utils.MaxRayServiceNameLength: 53 - 6 (the suffix of the RayCluster's name), kuberay PR #3083
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
GO_DURATION = re.compile(r"^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")
STRATEGIES = ("NewCluster", "NewClusterWithIncrementalUpgrade", "None")
MIN_TOKEN_RAY = (2, 52, 0)  # Ray's first release with token auth


def metadata(manifest: dict) -> list[Finding]:
    """validation.go:ValidateRayServiceMetadata."""
    findings = []
    name = (manifest.get("metadata") or {}).get("name") or ""
    if len(name) > MAX_NAME:
        findings.append(
            Finding(
                "error",
                "metadata.name",
                f"{len(name)} characters; KubeRay refuses RayService names over {MAX_NAME} (its clusters add a suffix)",
                f"shorten it to {MAX_NAME} characters or fewer",
            )
        )
    if name and not DNS_1035.match(name):
        findings.append(
            Finding(
                "error",
                "metadata.name",
                f"{name!r} is not a DNS-1035 label, which KubeRay requires",
                "use lower-case letters, digits and '-', starting with a letter",
            )
        )
    timeout = ((manifest.get("metadata") or {}).get("annotations") or {}).get("ray.io/initializing-timeout")
    if timeout and not (GO_DURATION.match(str(timeout)) or (str(timeout).isdigit() and int(timeout) > 0)):
        findings.append(
            Finding(
                "error",
                "metadata.annotations.ray.io/initializing-timeout",
                f"{timeout!r} is neither a Go duration nor a positive number of seconds",
                "write e.g. 15m or 900",
            )
        )
    return findings


def upgrade(spec: dict) -> list[Finding]:
    """validation.go:ValidateRayServiceSpec and ValidateClusterUpgradeOptions; RayCluster's
    ValidateRayClusterUpgradeOptions refuses rayClusterConfig.upgradeStrategy on a RayService's cluster."""
    findings = []
    cluster = spec.get("rayClusterConfig") or {}
    if cluster.get("upgradeStrategy"):
        findings.append(
            Finding(
                "error",
                "spec.rayClusterConfig.upgradeStrategy",
                "KubeRay refuses an upgradeStrategy on a RayService's cluster",
                "remove it; set spec.upgradeStrategy (the RayService's) instead",
            )
        )
    strategy = spec.get("upgradeStrategy") or {}
    if strategy.get("type") not in (None, *STRATEGIES):
        findings.append(
            Finding(
                "error",
                "spec.upgradeStrategy.type",
                f"{strategy['type']!r} is not an upgrade type KubeRay knows",
                f"use one of {', '.join(STRATEGIES)}",
            )
        )
    if strategy.get("type") == "NewClusterWithIncrementalUpgrade":
        findings += _incremental(cluster, strategy.get("clusterUpgradeOptions"))
    name = ((cluster.get("headGroupSpec") or {}).get("headService") or {}).get("metadata", {}).get("name")
    if name:
        findings.append(
            Finding(
                "error",
                "spec.rayClusterConfig.headGroupSpec.headService.metadata.name",
                "KubeRay refuses a head service name on a RayService (it names the service per cluster)",
                "remove the name",
            )
        )
    return findings


def _incremental(cluster: dict, options: dict | None) -> list[Finding]:
    field = "spec.upgradeStrategy.clusterUpgradeOptions"
    problems = []
    if not cluster.get("enableInTreeAutoscaling"):
        problems.append(("spec.rayClusterConfig.enableInTreeAutoscaling", "the incremental upgrade needs the Ray "
                         "autoscaler", "set enableInTreeAutoscaling: true"))  # fmt: skip
    if options is None:
        problems.append((field, "the incremental upgrade needs clusterUpgradeOptions", "add gatewayClassName, "
                         "stepSizePercent, intervalSeconds (and maxSurgePercent, default 100)"))  # fmt: skip
    else:
        surge, step = options.get("maxSurgePercent", 100), options.get("stepSizePercent")
        if not isinstance(step, int) or not 0 <= step <= 100 or step > surge:
            problems.append((f"{field}.stepSizePercent", f"{step!r} must be 0-100 and at most maxSurgePercent "
                             f"({surge})", "set a step such as 25"))  # fmt: skip
        if not isinstance(options.get("intervalSeconds"), int) or options["intervalSeconds"] <= 0:
            problems.append((f"{field}.intervalSeconds", "must be greater than 0", "set e.g. 30"))
        if not options.get("gatewayClassName"):
            problems.append((f"{field}.gatewayClassName", "is required: traffic moves through a Gateway",
                             "name the cluster's GatewayClass"))  # fmt: skip
    return [Finding("error", where, problem, fix) for where, problem, fix in problems]


def worker_replicas(spec: dict) -> list[Finding]:
    """validation.go:ValidateRayClusterSpec refuses minReplicas > maxReplicas; utils/util.go
    GetWorkerGroupDesiredReplicas silently clamps replicas into [minReplicas, maxReplicas]."""
    findings = []
    for index, group in enumerate((spec.get("rayClusterConfig") or {}).get("workerGroupSpecs") or []):
        where = f"spec.rayClusterConfig.workerGroupSpecs[{index}]"
        low, high, replicas = group.get("minReplicas", 0), group.get("maxReplicas"), group.get("replicas")
        if not all(isinstance(v, int) for v in (low, high, replicas) if v is not None):
            continue  # the CRD schema names the type
        if high is not None and low > high:
            findings.append(
                Finding("error", f"{where}.minReplicas", f"{low} is above maxReplicas {high}", "swap or fix them")
            )
        elif replicas is not None and (replicas < low or (high is not None and replicas > high)):
            clamped = max(low, min(replicas, high if high is not None else replicas))
            findings.append(
                Finding(
                    "warning",
                    f"{where}.replicas",
                    f"{replicas} is outside [{low}, {high}]: KubeRay quietly runs {clamped}",
                    f"set replicas to {clamped}, or widen minReplicas/maxReplicas",
                )
            )
    return findings


def auth(spec: dict) -> list[Finding]:
    """validation.go:ValidateRayServiceSpec refuses Kubernetes-delegated token auth on a RayService, and
    ValidateRayClusterSpec token auth on a Ray older than 2.52.0 (where Ray has none)."""
    cluster = spec.get("rayClusterConfig") or {}
    options = cluster.get("authOptions") or {}
    findings = []
    if options.get("enableK8sTokenAuth") is True:
        findings.append(
            Finding(
                "error",
                "spec.rayClusterConfig.authOptions.enableK8sTokenAuth",
                "KubeRay refuses Kubernetes token auth on a RayService (RayClusters only)",
                "remove it: mode token alone makes KubeRay generate the cluster's token",
            )
        )
    version = re.match(r"^(\d+)\.(\d+)\.(\d+)", str(cluster.get("rayVersion") or ""))
    if options.get("mode") == "token" and version and tuple(map(int, version.groups())) < MIN_TOKEN_RAY:
        findings.append(
            Finding(
                "error",
                "spec.rayClusterConfig.authOptions.mode",
                f"token auth needs Ray {'.'.join(map(str, MIN_TOKEN_RAY))} or later, and rayVersion is "
                f"{cluster['rayVersion']}",
                "use an image and rayVersion of Ray 2.52.0 or later",
            )
        )
    return findings


def check_kuberay(manifest: dict) -> list[Finding]:
    spec = manifest.get("spec") or {}
    return metadata(manifest) + upgrade(spec) + worker_replicas(spec) + auth(spec)
