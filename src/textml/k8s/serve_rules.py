"""serveConfigV2 values Ray Serve's schema lets through but Serve refuses, misreads or can't serve from a pod,
found before the cluster. Each rule names its source: the Ray code that refuses the value, or the issue where
users met it."""

from ray.runtime_env import RuntimeEnv
from ray.serve.config import AutoscalingConfig

from textml._ray import route_prefix_problem
from textml.k8s.findings import Finding

SERVE_PORT = 8000  # HTTPOptionsSchema's default port


def _entries(config: dict):
    """(field, app) and (field, app, deployment) of each application and deployment."""
    for index, app in enumerate(config.get("applications") or []):
        if isinstance(app, dict):
            yield f"applications[{index}]", app, None
            for number, entry in enumerate(app.get("deployments") or []):
                if isinstance(entry, dict):
                    yield f"applications[{index}].deployments[{number}]", app, entry


def runtime_envs(config: dict, field: str) -> list[Finding]:
    """runtime_env values Ray refuses when Serve applies the config: env_vars that aren't strings (YAML reads
    `true`, `yes`, `8080` as bool and int; ray PR #30974, and masumi-network/kodosumi #82: the bad value was
    checkpointed and broke the Serve controller's recovery), and fields Ray's RuntimeEnv refuses together."""
    findings = []
    for where, app, entry in _entries(config):
        owner = app if entry is None else (entry.get("ray_actor_options") or {})
        runtime_env = owner.get("runtime_env") if isinstance(owner, dict) else None
        if not isinstance(runtime_env, dict):
            continue
        path = f"{field}.{where}" + ("" if entry is None else ".ray_actor_options") + ".runtime_env"
        env_vars = runtime_env.get("env_vars") or {}
        for name, value in env_vars.items() if isinstance(env_vars, dict) else []:
            if not isinstance(value, str):
                findings.append(
                    Finding(
                        "error",
                        f"{path}.env_vars.{name}",
                        f"{value!r} is a {type(value).__name__}, and Ray takes env_vars as strings only: the "
                        "deploy fails after Serve has stored the config",
                        f'quote it: {name}: "{_as_text(value)}"',
                    )
                )
        # working_dir/py_modules are checked as paths on this machine by RuntimeEnv: the URI rule covers them.
        others = {k: v for k, v in runtime_env.items() if k not in ("env_vars", "working_dir", "py_modules")}
        try:
            RuntimeEnv(**others)
        except (TypeError, ValueError) as error:
            findings.append(Finding("error", path, " ".join(str(error).split()), "see Ray's runtime_env reference"))
        for key in ("working_dir", "py_modules"):
            values = runtime_env.get(key) or []
            for value in [values] if isinstance(values, str) else values:
                if isinstance(value, str) and "://" not in value:
                    findings.append(
                        Finding(
                            "error",
                            f"{path}.{key}",
                            f"{value!r} is a local path, which the cluster's pods don't have",
                            "bake the code into the image, or use a remote URI such as https://.../code.zip",
                        )
                    )
    return findings


def _as_text(value) -> str:
    """The string the YAML author most likely meant."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def route_prefixes(config: dict, field: str) -> list[Finding]:
    """route_prefix values Serve's schema accepts but its controller refuses when it applies them (DEPLOY_FAILED):
    validate_route_prefix (ray #35728: a missing "/" used to fail with a bare assertion)."""
    findings = []
    for index, app in enumerate(config.get("applications") or []):
        problem = route_prefix_problem(app.get("route_prefix")) if isinstance(app, dict) else None
        if problem:
            findings.append(
                Finding(
                    "error",
                    f"{field}.applications[{index}].route_prefix",
                    problem,
                    'start it with "/", end it without one, and put no {braces} in it: e.g. /fruit',
                )
            )
    return findings


def duplicate_deployments(config: dict, field: str) -> list[Finding]:
    """Two entries for one deployment: Serve takes the later one silently, so half the options are lost."""
    findings = []
    for index, app in enumerate(config.get("applications") or []):
        seen = {}
        for number, entry in enumerate((app or {}).get("deployments") or []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if name in seen:
                findings.append(
                    Finding(
                        "error",
                        f"{field}.applications[{index}].deployments[{number}].name",
                        f"deployment {name!r} is listed twice; Serve applies only this later entry",
                        f"merge it into deployments[{seen[name]}]",
                    )
                )
            seen.setdefault(name, number)
    return findings


def autoscaling(config: dict, field: str) -> list[Finding]:
    """autoscaling_config Serve's schema keeps as a plain dict and only checks when the controller builds an
    AutoscalingConfig from it (min > max, initial outside them: DEPLOY_FAILED); and a max_ongoing_requests below
    the target, with which Serve never scales up (its own warning: "Autoscaling will never happen")."""
    findings = []
    for where, _, entry in _entries(config):
        options = entry.get("autoscaling_config") if entry else None
        if not isinstance(options, dict):
            continue
        try:
            built = AutoscalingConfig(**options)
        except (TypeError, ValueError) as error:
            message = error.errors()[0]["msg"] if hasattr(error, "errors") else str(error)
            findings.append(
                Finding("error", f"{field}.{where}.autoscaling_config", message, "see Serve's autoscaling_config")
            )
            continue
        limit = entry.get("max_ongoing_requests", 5)
        if isinstance(limit, int) and limit < built.get_target_ongoing_requests():
            findings.append(
                Finding(
                    "warning",
                    f"{field}.{where}.max_ongoing_requests",
                    f"{limit} is below target_ongoing_requests {built.get_target_ongoing_requests()}: a replica never "
                    "holds enough requests for Serve to scale up",
                    "make max_ongoing_requests at least target_ongoing_requests",
                )
            )
    return findings


def proxies(config: dict, spec: dict, field: str) -> list[Finding]:
    """Serve's proxies as KubeRay needs them: listening on the pod's address (the operator and the serve Service
    reach them by pod IP), and running where the serve Service looks."""
    findings = []
    http = config.get("http_options") or {}
    if http.get("host") not in (None, "0.0.0.0", "::"):
        findings.append(
            Finding(
                "error",
                f"{field}.http_options.host",
                f"proxies listening on {http['host']} can't be reached at the pod's IP: the serve Service has no "
                "endpoint and the RayService never becomes Ready",
                "set host: 0.0.0.0 (textml k8s render does)",
            )
        )
    location = config.get("proxy_location", "EveryNode")
    exclude_head = bool(spec.get("excludeHeadPodFromServeSvc"))
    if location == "Disabled" or (location == "HeadOnly" and exclude_head):
        findings.append(
            Finding(
                "error",
                f"{field}.proxy_location",
                f"with proxy_location {location}"
                + (" and excludeHeadPodFromServeSvc" if location == "HeadOnly" else "")
                + " no pod serves HTTP: the serve Service has no endpoint and the RayService never becomes Ready",
                "use proxy_location: EveryNode",
            )
        )
    elif location == "HeadOnly" and (spec.get("rayClusterConfig") or {}).get("workerGroupSpecs"):
        findings.append(
            Finding(
                "warning",
                f"{field}.proxy_location",
                "HeadOnly runs no proxy on workers, and KubeRay's worker readiness probe asks the local proxy: "
                "every worker stays NotReady (kuberay #4994)",
                "use proxy_location: EveryNode",
            )
        )
    return findings


def serve_port(config: dict) -> int:
    port = (config.get("http_options") or {}).get("port", SERVE_PORT)
    return port if isinstance(port, int) else SERVE_PORT


def check_values(config: dict, field: str = "spec.serveConfigV2") -> list[Finding]:
    """The rules that need the Serve config alone (also `textml up`'s, for a local config)."""
    return (
        runtime_envs(config, field)
        + route_prefixes(config, field)
        + duplicate_deployments(config, field)
        + autoscaling(config, field)
    )
