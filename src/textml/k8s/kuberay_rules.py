"""What KubeRay v1.7.0 refuses or quietly changes in a RayService or a RayJob that the CRD schema lets through
(ray-operator/controllers/ray/utils/validation.go and friends). A refused RayService gets Ready=False with reason
ValidationFailed, and nothing else happens: the old cluster keeps serving the old config. A refused RayJob gets
jobDeploymentStatus ValidationFailed and an event: no cluster is made, no job runs."""

import re

import yaml

from textml.k8s.findings import Finding
from textml.k8s.kinds import RAY_JOB, cluster_field, cluster_spec

# utils.MaxRayServiceNameLength and MaxRayJobNameLength: 53 - 6 (the suffix of the RayCluster's name), kuberay PR #3083
MAX_NAME = 47
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
GO_DURATION = re.compile(r"^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")
STRATEGIES = ("NewCluster", "NewClusterWithIncrementalUpgrade", "None")
MIN_TOKEN_RAY = (2, 52, 0)  # Ray's first release with token auth


def metadata(manifest: dict) -> list[Finding]:
    """validation.go:ValidateRayServiceMetadata and ValidateRayJobMetadata."""
    findings = []
    kind = manifest.get("kind", "RayService")
    name = (manifest.get("metadata") or {}).get("name") or ""
    if len(name) > MAX_NAME:
        findings.append(
            Finding(
                "error",
                "metadata.name",
                f"{len(name)} characters; KubeRay refuses {kind} names over {MAX_NAME} (its clusters add a suffix)",
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


def worker_replicas(manifest: dict) -> list[Finding]:
    """validation.go:ValidateRayClusterSpec refuses minReplicas > maxReplicas; utils/util.go
    GetWorkerGroupDesiredReplicas silently clamps replicas into [minReplicas, maxReplicas]."""
    findings = []
    for index, group in enumerate(cluster_spec(manifest).get("workerGroupSpecs") or []):
        where = f"{cluster_field(manifest)}.workerGroupSpecs[{index}]"
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


def auth(manifest: dict) -> list[Finding]:
    """validation.go:ValidateRayServiceSpec and ValidateRayJobSpec refuse Kubernetes-delegated token auth on a
    RayService and a RayJob, and ValidateRayClusterSpec token auth on a Ray older than 2.52.0 (where Ray has none)."""
    cluster, field = cluster_spec(manifest), cluster_field(manifest)
    options = cluster.get("authOptions") or {}
    findings = []
    if options.get("enableK8sTokenAuth") is True:
        findings.append(
            Finding(
                "error",
                f"{field}.authOptions.enableK8sTokenAuth",
                f"KubeRay refuses Kubernetes token auth on a {manifest.get('kind', 'RayService')} (RayClusters only)",
                "remove it: mode token alone makes KubeRay generate the cluster's token",
            )
        )
    version = re.match(r"^(\d+)\.(\d+)\.(\d+)", str(cluster.get("rayVersion") or ""))
    if options.get("mode") == "token" and version and tuple(map(int, version.groups())) < MIN_TOKEN_RAY:
        findings.append(
            Finding(
                "error",
                f"{field}.authOptions.mode",
                f"token auth needs Ray {'.'.join(map(str, MIN_TOKEN_RAY))} or later, and rayVersion is "
                f"{cluster['rayVersion']}",
                "use an image and rayVersion of Ray 2.52.0 or later",
            )
        )
    return findings


SUBMISSION_MODES = ("K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode")  # rayjob_types.go JobSubmissionMode


def rayjob_spec(spec: dict) -> list[Finding]:
    """validation.go:ValidateRayJobSpec and validateDeletionConfiguration, each refusal as the field it names."""
    problems = []
    shutdown, mode = spec.get("shutdownAfterJobFinishes") is True, spec.get("submissionMode", "K8sJobMode")
    ttl, backoff = spec.get("ttlSecondsAfterFinished") or 0, spec.get("backoffLimit")
    selector = spec.get("clusterSelector")
    if mode not in SUBMISSION_MODES:
        problems.append(("submissionMode", f"{mode!r} is not a submission mode KubeRay knows",
                         f"use one of {', '.join(SUBMISSION_MODES)} (K8sJobMode: a submitter Job)"))  # fmt: skip
    if spec.get("suspend") and not shutdown:
        problems.append(("suspend", "KubeRay refuses to suspend a RayJob without shutdownAfterJobFinishes: true",
                         "set shutdownAfterJobFinishes: true, or remove suspend"))  # fmt: skip
    if isinstance(ttl, int) and ttl < 0:
        problems.append(("ttlSecondsAfterFinished", f"{ttl} is negative", "set 0 or more seconds"))
    elif isinstance(ttl, int) and ttl > 0 and not shutdown:
        problems.append(("ttlSecondsAfterFinished", "KubeRay refuses a TTL on a RayJob whose cluster outlives the "
                         "job (shutdownAfterJobFinishes is not true)", "set shutdownAfterJobFinishes: true, or "
                         "remove the TTL"))  # fmt: skip
    rules = (spec.get("deletionStrategy") or {}).get("deletionRules")
    if rules and shutdown:
        problems.append(("deletionStrategy.deletionRules", "KubeRay refuses deletionRules with "
                         "shutdownAfterJobFinishes", "use one of them"))  # fmt: skip
    if not spec.get("rayClusterSpec") and not selector:
        problems.append(("rayClusterSpec", "missing: KubeRay needs a rayClusterSpec (or a clusterSelector)",
                         "render the manifest with `textml k8s render`"))  # fmt: skip
    if selector:
        if not selector.get("ray.io/cluster"):
            problems.append(("clusterSelector", "names no ray.io/cluster", "name the RayCluster to run on"))
        if spec.get("suspend") or mode == "SidecarMode" or (isinstance(backoff, int) and backoff > 0):
            problems.append(("clusterSelector", "KubeRay refuses a clusterSelector with suspend, SidecarMode or "
                             "backoffLimit above 0", "remove them, or use a rayClusterSpec"))  # fmt: skip
    if mode == "InteractiveMode" and isinstance(backoff, int) and backoff > 0:
        problems.append(("backoffLimit", "KubeRay refuses retries in InteractiveMode (kuberay #3525)",
                         "set backoffLimit: 0"))  # fmt: skip
    if mode == "SidecarMode" and (spec.get("submitterPodTemplate") or spec.get("submitterConfig")):
        problems.append(("submitterPodTemplate", "KubeRay refuses a submitter template or config in SidecarMode",
                         "remove them, or use K8sJobMode"))  # fmt: skip
    for name in ("activeDeadlineSeconds", "preRunningDeadlineSeconds"):
        if isinstance(spec.get(name), int) and spec[name] <= 0:
            problems.append((name, f"{spec[name]} is not a positive number of seconds", "set 1 or more, or remove it"))
    if isinstance(backoff, int) and backoff < 0:
        problems.append(("backoffLimit", f"{backoff} is negative", "set 0 (no retry) or more"))
    runtime_env = spec.get("runtimeEnvYAML")
    if isinstance(runtime_env, str):
        try:
            yaml.safe_load(runtime_env)
        except yaml.YAMLError as error:
            problems.append(("runtimeEnvYAML", f"not YAML: {' '.join(str(error).split())}", "fix the YAML syntax"))
    return [Finding("error", f"spec.{where}", problem, fix) for where, problem, fix in problems]


def check_kuberay(manifest: dict) -> list[Finding]:
    spec = manifest.get("spec") or {}
    kind_rules = rayjob_spec(spec) if manifest.get("kind") == RAY_JOB else upgrade(spec)
    return metadata(manifest) + kind_rules + worker_replicas(manifest) + auth(manifest)
