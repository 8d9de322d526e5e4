"""Checks a RayService manifest before `kubectl apply`: the CRD's OpenAPI schema, Ray's Serve config
schema, then the mistakes users otherwise find only on the cluster. Each finding names the field and the fix."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema
import ray
import yaml
from pydantic import ValidationError
from ray.serve.schema import ServeDeploySchema

from textml._ray import deployments_of
from textml.k8s.crd import rayservice_schema

REMOTE_URI = re.compile(r"^[a-z][a-z0-9+.-]*://")
# textml:0.1.0-ray2.60.0 (ours) or 2.60.0-py311-cpu (rayproject/ray)
IMAGE_RAY_VERSIONS = (re.compile(r"ray-?(\d+\.\d+\.\d+)"), re.compile(r"^(\d+\.\d+\.\d+)"))
DEPRECATED = {
    "serviceUnhealthySecondThreshold": "has no effect since KubeRay v1.1; remove it (Serve's own "
    "health_check_period_s / health_check_timeout_s govern replica health)",
    "deploymentUnhealthySecondThreshold": "has no effect since KubeRay v1.1; remove it (Serve's own "
    "health_check_period_s / health_check_timeout_s govern replica health)",
}


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" fails the check; "warning" does not
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.field}: {self.problem} -> {self.fix}"


def _strict(schema):
    """The CRD schema as `kubectl apply` enforces it: fields it doesn't define are refused."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@lru_cache(maxsize=4)
def _crd_validator(crd_path: str, version: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft7Validator(_strict(rayservice_schema(crd_path, version)))


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def check_schema(manifest: dict, crd_path: str) -> list[Finding]:
    version = manifest.get("apiVersion", "").rpartition("/")[2]
    validator = _crd_validator(crd_path, version)
    body = {key: value for key, value in manifest.items() if key != "status"}
    return [
        Finding(
            "error",
            _path(error.absolute_path),
            error.message,
            f"see `kubectl explain rayservice.{_path(error.absolute_path)}` (CRD {Path(crd_path).name})",
        )
        for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _containers(group: dict) -> list[dict]:
    return group.get("template", {}).get("spec", {}).get("containers", [])


def check_cluster(spec: dict, grpc: bool) -> list[Finding]:
    findings = []
    cluster = spec.get("rayClusterConfig", {})
    ray_version = cluster.get("rayVersion")
    groups = [("spec.rayClusterConfig.headGroupSpec", cluster.get("headGroupSpec", {}), True)] + [
        (f"spec.rayClusterConfig.workerGroupSpecs[{i}]", group, False)
        for i, group in enumerate(cluster.get("workerGroupSpecs", []))
    ]
    if ray_version and ray_version != ray.__version__:
        findings.append(
            Finding(
                "warning",
                "spec.rayClusterConfig.rayVersion",
                f"{ray_version} differs from the Ray this textml pins ({ray.__version__})",
                f"use an image built from this package and rayVersion {ray.__version__}",
            )
        )
    for where, group, is_head in groups:
        containers = _containers(group)
        for index, container in enumerate(containers):
            image = container.get("image", "")
            tag = image.rpartition("/")[2].partition(":")[2]
            match = next(filter(None, (pattern.search(tag) for pattern in IMAGE_RAY_VERSIONS)), None)
            field = f"{where}.template.spec.containers[{index}].image"
            if not match:
                findings.append(
                    Finding(
                        "warning",
                        field,
                        f"can't tell the Ray version of image {image!r}",
                        f"tag images with their Ray version, e.g. textml:0.1.0-ray{ray_version}",
                    )
                )
            elif ray_version and match.group(1) != ray_version:
                findings.append(
                    Finding(
                        "error",
                        field,
                        f"image {image!r} runs Ray {match.group(1)}, but rayVersion is {ray_version}",
                        "make spec.rayClusterConfig.rayVersion and the image tag the same version",
                    )
                )
        if containers:
            ports = {p.get("containerPort") for p in containers[0].get("ports", [])}
            needed = {8000: "serve"} | ({8265: "dashboard"} if is_head else {}) | ({9000: "grpc"} if grpc else {})
            for port, name in needed.items():
                if port not in ports:
                    findings.append(
                        Finding(
                            "error",
                            f"{where}.template.spec.containers[0].ports",
                            f"no containerPort {port} ({name})",
                            f"add {{name: {name}, containerPort: {port}}}: KubeRay "
                            + ("polls the dashboard there" if port == 8265 else "routes the serve service there"),
                        )
                    )
    return findings


def check_serve_config(text: str, field: str = "spec.serveConfigV2") -> tuple[list[Finding], bool]:
    """Findings for a Serve config (a RayService's serveConfigV2, named `field`), and whether it turns gRPC on."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [Finding("error", field, f"not YAML: {error}", "fix the YAML syntax")], False
    if not isinstance(config, dict) or not isinstance(config.get("applications"), list):
        return [Finding("error", f"{field}.applications", "missing", "list the Serve applications")], False
    findings = _lint_applications(config["applications"], f"{field}.applications")
    try:
        ServeDeploySchema.model_validate(config)
    except ValidationError as error:
        # Where a lint already named the problem and its fix, Ray's own message would only repeat it.
        linted = [f.field for f in findings]
        for e in error.errors(include_url=False):
            where = f"{field}.{_path(e['loc'])}"
            if not any(other.startswith(where) or where.startswith(other) for other in linted):
                findings.append(Finding("error", where, e["msg"], "see Ray Serve's config reference"))
    grpc = bool((config.get("grpc_options") or {}).get("grpc_servicer_functions"))
    return findings, grpc


def _lint_applications(applications: list, field: str) -> list[Finding]:
    findings = []
    seen_names, seen_routes = {}, {}
    for index, app in enumerate(applications):
        where = f"{field}[{index}]"
        name, route = app.get("name", "default"), app.get("route_prefix", "/")
        if name in seen_names:
            findings.append(
                Finding(
                    "error",
                    f"{where}.name",
                    f"app name {name!r} is used twice",
                    f"give applications[{seen_names[name]}] or this one another name",
                )
            )
        seen_names.setdefault(name, index)
        if route is not None and route in seen_routes:
            findings.append(
                Finding(
                    "error",
                    f"{where}.route_prefix",
                    f"route {route!r} is used twice",
                    f"give applications[{seen_routes[route]}] or this one another route_prefix",
                )
            )
        seen_routes.setdefault(route, index)
        working_dir = (app.get("runtime_env") or {}).get("working_dir")
        if working_dir and not REMOTE_URI.match(working_dir):
            findings.append(
                Finding(
                    "error",
                    f"{where}.runtime_env.working_dir",
                    f"{working_dir!r} is a local path, which the cluster's pods don't have",
                    "bake the code into the image (textml is installed there), or use a "
                    "remote URI such as https://.../code.zip",
                )
            )
        findings += _lint_import(app, where)
    return findings


def _lint_import(app: dict, where: str) -> list[Finding]:
    import_path = app.get("import_path", "")
    try:
        defined = deployments_of(import_path, app.get("args") or {})
    except Exception as error:  # whatever importing user code raises, the path is what to fix
        return [
            Finding(
                "error",
                f"{where}.import_path",
                f"{import_path!r} doesn't import: {type(error).__name__}: {error}",
                "use module:attribute of an installed module, e.g. textml.text_ml:app",
            )
        ]
    findings = []
    for index, entry in enumerate(app.get("deployments") or []):
        if entry.get("name") not in defined:
            findings.append(
                Finding(
                    "error",
                    f"{where}.deployments[{index}].name",
                    f"{import_path} defines no deployment {entry.get('name')!r}",
                    f"use one of {', '.join(sorted(defined))}",
                )
            )
            continue
        # Deployments that validate their user_config (textml's model deployments) are checked here
        # too, so a typo fails before the cluster instead of failing the deployment on it.
        settings_type = getattr(defined[entry["name"]], "settings_type", None)
        if settings_type is not None and entry.get("user_config") is not None:
            try:
                settings_type.model_validate(entry["user_config"])
            except ValidationError as error:
                findings += [
                    Finding(
                        "error",
                        f"{where}.deployments[{index}].user_config.{_path(e['loc'])}",
                        e["msg"],
                        "see the user_config table in textml's README",
                    )
                    for e in error.errors(include_url=False)
                ]
    return findings


def check_rayservice(manifest: dict, crd_path: str) -> list[Finding]:
    findings = check_schema(manifest, crd_path)
    spec = manifest.get("spec") or {}
    for field, fix in DEPRECATED.items():
        if field in spec:
            findings.append(Finding("error", f"spec.{field}", "is deprecated", fix))
    if "serveConfigV2" not in spec:
        findings.append(
            Finding("error", "spec.serveConfigV2", "missing", "render the manifest with `textml k8s render`")
        )
        grpc = False
    else:
        serve_findings, grpc = check_serve_config(spec["serveConfigV2"])
        findings += serve_findings
    findings += check_cluster(spec, grpc)
    return findings


def check_file(path: str | Path, crd_path: str | Path) -> list[Finding]:
    documents = [d for d in yaml.safe_load_all(Path(path).read_text()) if d]
    services = [d for d in documents if d.get("kind") == "RayService"]
    if not services:
        return [Finding("error", "kind", f"{path} holds no RayService", "check the file")]
    return [finding for manifest in services for finding in check_rayservice(manifest, str(crd_path))]
