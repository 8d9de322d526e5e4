"""Checks a RayService or RayJob manifest before `kubectl apply`: the CRD's OpenAPI schema (where the kind's CRD is
at hand: crd_source.py), Ray's Serve config schema, then the mistakes users otherwise find only on the cluster. Each
finding names the field and the fix."""

import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import ray
import yaml
from pydantic import ValidationError
from ray.serve.schema import ServeDeploySchema

from textml._ray import app_targets, deployments_of
from textml.k8s.crd import Crds, KubeRayCrd, RayServiceCrd, by_kind
from textml.k8s.findings import Finding, field_path
from textml.k8s.fit import check_fit
from textml.k8s.job_rules import check_job
from textml.k8s.kinds import CLUSTER_KEYS, RAY_JOB, RAY_SERVICE, cluster_field, cluster_spec
from textml.k8s.kuberay_rules import check_kuberay
from textml.k8s.security_rules import check_security
from textml.k8s.serve_keys import unknown_keys
from textml.k8s.serve_rules import check_values, proxies, serve_port

# textml:0.1.0-ray2.60.0 (ours) or 2.60.0-py311-cpu (rayproject/ray)
IMAGE_RAY_VERSIONS = (re.compile(r"ray-?(\d+\.\d+\.\d+)"), re.compile(r"^(\d+\.\d+\.\d+)"))
DEPRECATED = {
    "serviceUnhealthySecondThreshold": "has no effect since KubeRay v1.1; remove it (Serve's own "
    "health_check_period_s / health_check_timeout_s govern replica health)",
    "deploymentUnhealthySecondThreshold": "has no effect since KubeRay v1.1; remove it (Serve's own "
    "health_check_period_s / health_check_timeout_s govern replica health)",
}


def strict_schema(schema):
    """The CRD schema as `kubectl apply` enforces it: fields it doesn't define are refused."""
    if isinstance(schema, dict):
        schema = {key: strict_schema(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict_schema(item) for item in schema]
    return schema


@lru_cache(maxsize=8)
def _crd_validator(crd: KubeRayCrd, version: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft7Validator(strict_schema(crd.schema(version)))


def check_schema(manifest: dict, crd: KubeRayCrd) -> list[Finding]:
    version = manifest.get("apiVersion", "").rpartition("/")[2]
    validator = _crd_validator(crd, version)
    body = {key: value for key, value in manifest.items() if key != "status"}
    return [
        Finding(
            "error",
            field_path(error.absolute_path),
            error.message,
            f"see `kubectl explain {crd.kind.lower()}.{field_path(error.absolute_path)}` (CRD {crd.name})",
        )
        for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _containers(group: dict) -> list[dict]:
    return group.get("template", {}).get("spec", {}).get("containers", [])


def _cluster_groups(cluster: dict, field: str) -> list[tuple[str, dict, bool]]:
    """(field, group, is the head) of the head, then each worker group, of a RayCluster spec at `field`."""
    return [(f"{field}.headGroupSpec", cluster.get("headGroupSpec", {}), True)] + [
        (f"{field}.workerGroupSpecs[{i}]", group, False) for i, group in enumerate(cluster.get("workerGroupSpecs", []))
    ]


def check_images(cluster: dict, field: str = "spec.rayClusterConfig") -> list[Finding]:
    """rayVersion against the Ray this textml pins, and against the Ray of every container's image tag."""
    findings = []
    ray_version = cluster.get("rayVersion")
    if ray_version and ray_version != ray.__version__:
        findings.append(
            Finding(
                "warning",
                f"{field}.rayVersion",
                f"{ray_version} differs from the Ray this textml pins ({ray.__version__})",
                f"use an image built from this package and rayVersion {ray.__version__}",
            )
        )
    for where, group, _ in _cluster_groups(cluster, field):
        for index, container in enumerate(_containers(group)):
            image = container.get("image", "")
            tag = image.rpartition("/")[2].partition(":")[2]
            match = next(filter(None, (pattern.search(tag) for pattern in IMAGE_RAY_VERSIONS)), None)
            where_image = f"{where}.template.spec.containers[{index}].image"
            if not match:
                findings.append(
                    Finding(
                        "warning",
                        where_image,
                        f"can't tell the Ray version of image {image!r}",
                        f"tag images with their Ray version, e.g. textml:0.1.0-ray{ray_version}",
                    )
                )
            elif ray_version and match.group(1) != ray_version:
                findings.append(
                    Finding(
                        "error",
                        where_image,
                        f"image {image!r} runs Ray {match.group(1)}, but rayVersion is {ray_version}",
                        f"make {field}.rayVersion and the image tag the same version",
                    )
                )
    return findings


def check_cluster(spec: dict, config: dict | None) -> list[Finding]:
    """A RayService's cluster: its images' Ray, and the ports KubeRay reaches the dashboard and Serve at."""
    config = config or {}
    grpc = bool((config.get("grpc_options") or {}).get("grpc_servicer_functions"))
    grpc_port = (config.get("grpc_options") or {}).get("port", 9000)
    cluster = spec.get("rayClusterConfig", {})
    findings = check_images(cluster)
    for where, group, is_head in _cluster_groups(cluster, "spec.rayClusterConfig"):
        containers = _containers(group)
        if containers:
            ports = {p.get("containerPort"): p.get("name", "") for p in containers[0].get("ports", [])}
            # The serve port is Serve's http_options.port: KubeRay's serve Service and worker readiness probe use
            # the container port named "serve" (kuberay sample ray-service.different-port.yaml).
            needed = (
                {serve_port(config): "serve"}
                | ({8265: "dashboard"} if is_head else {})
                | ({grpc_port: "serve-grpc"} if grpc else {})
            )
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
                elif name == "serve-grpc" and not (ports[port] == "serve" or ports[port].startswith("serve-")):
                    # kuberay common/service.go BuildServeService keeps only ports named serve or serve-*.
                    findings.append(
                        Finding(
                            "error",
                            f"{where}.template.spec.containers[0].ports",
                            f"the gRPC port {port} is named {ports[port]!r}, so KubeRay leaves it out of the serve "
                            "service",
                            "name it serve-grpc: KubeRay's serve service keeps only ports named serve or serve-*",
                        )
                    )
    return findings


def check_serve_config(text: str, field: str = "spec.serveConfigV2") -> tuple[list[Finding], bool]:
    """Findings for a Serve config (a RayService's serveConfigV2, named `field`), and whether it turns gRPC on."""
    config, findings = read_serve_config(text, field)
    return findings, bool(((config or {}).get("grpc_options") or {}).get("grpc_servicer_functions"))


def read_serve_config(text, field: str = "spec.serveConfigV2") -> tuple[dict | None, list[Finding]]:
    """The Serve config (None if it isn't one) and its findings: YAML, Ray's Serve schema, the keys Serve ignores
    (serve_keys.py), the values it refuses at deploy time (serve_rules.py), the import paths and deployments."""
    if not isinstance(text, str):
        # KubeRay PR #1221: the CRD types serveConfigV2 as a string, so a YAML mapping is refused by the API server.
        fix = f"write it as a block string: {field.rpartition('.')[2]}: |"
        return None, [Finding("error", field, f"is a {type(text).__name__}, but KubeRay takes a string", fix)]
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return None, [Finding("error", field, f"not YAML: {error}", "fix the YAML syntax")]
    if not isinstance(config, dict) or not isinstance(config.get("applications"), list):
        return None, [Finding("error", f"{field}.applications", "missing", "list the Serve applications")]
    findings = unknown_keys(config, field) + check_values(config, field)
    findings += _lint_applications(config["applications"], f"{field}.applications")
    try:
        ServeDeploySchema.model_validate(config)
    except ValidationError as error:
        # Where a lint already named the problem and its fix, Ray's own message would only repeat it.
        linted = [f.field for f in findings]
        for e in error.errors(include_url=False):
            where = f"{field}.{field_path(e['loc'])}"
            if not any(other.startswith(where) or where.startswith(other) for other in linted):
                findings.append(Finding("error", where, e["msg"], "see Ray Serve's config reference"))
    return config, findings


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
        if entry.get("user_config") is not None and not hasattr(defined[entry["name"]], "reconfigure"):
            # replica.py: "user_config or rank specified but deployment ... missing reconfigure method"
            findings.append(
                Finding(
                    "error",
                    f"{where}.deployments[{index}].user_config",
                    f"{entry['name']} has no reconfigure method, so Serve fails its replicas on a user_config",
                    "remove user_config, or give the deployment class a reconfigure(self, config) method",
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
                        f"{where}.deployments[{index}].user_config.{field_path(e['loc'])}",
                        e["msg"],
                        "see the user_config table in textml's README",
                    )
                    for e in error.errors(include_url=False)
                ]
    return findings


def check_rayservice(manifest: dict, crd: RayServiceCrd | None) -> list[Finding]:
    """Every finding for one RayService; without a CRD, all but the CRD schema's."""
    spec = manifest.get("spec") or {}
    schema_findings = check_schema(manifest, crd) if crd else []
    if not isinstance(spec.get("serveConfigV2", ""), str):  # said below in one line, not with the whole config
        schema_findings = [f for f in schema_findings if f.field != "spec.serveConfigV2"]
    findings = schema_findings + check_kuberay(manifest)
    for field, fix in DEPRECATED.items():
        if field in spec:
            findings.append(Finding("error", f"spec.{field}", "is deprecated", fix))
    config = None
    if "serveConfigV2" not in spec:
        findings.append(
            Finding("error", "spec.serveConfigV2", "missing", "render the manifest with `textml k8s render`")
        )
    else:
        config, serve_findings = read_serve_config(spec["serveConfigV2"])
        findings += serve_findings
    if config is not None:
        findings += proxies(config, spec, "spec.serveConfigV2")
        # Pods are sized only from a cluster spec the CRD accepts (types, quantities).
        if crd is None:
            findings += _fit_unchecked(spec, config)
        elif not any(f.field.startswith("spec.rayClusterConfig") for f in schema_findings):
            findings += _fit(spec, config)
    findings += check_cluster(spec, config)
    return findings


def _fit(spec: dict, config: dict) -> list[Finding]:
    try:
        targets = app_targets(config)
    except (ValueError, TypeError):  # a config Serve refuses: its findings say why, and nothing can be placed
        return []
    return check_fit(spec, config, targets)


def _fit_unchecked(spec: dict, config: dict) -> list[Finding]:
    """_fit on a cluster spec no CRD schema has checked: a value it can't read is named as the schema would."""
    try:
        return _fit(spec, config)
    except (ValueError, TypeError, AttributeError) as error:
        return [
            Finding(
                "error",
                "spec.rayClusterConfig",
                f"can't size its pods: {error}",
                "give each value the CRD's type: resources as Kubernetes quantities, replica counts as integers "
                "(the CRD schema check, with --crd FILE, names the field)",
            )
        ]


def check_rayjob(manifest: dict, crd: KubeRayCrd | None, documents: list[dict]) -> list[Finding]:
    """Every finding for one RayJob (job_rules.py: `textml batch`'s own); without a CRD, all but the CRD schema's.
    `documents` are the file's: the ConfigMap with the Serve config the entrypoint reads, a PersistentVolumeClaim."""
    schema_findings = check_schema(manifest, crd) if crd else []
    findings = schema_findings + check_kuberay(manifest)
    # Pods are sized only from a cluster spec the CRD accepts (types, quantities), or from one no CRD checked.
    cluster_ok = not any(f.field.startswith(cluster_field(manifest)) for f in schema_findings)
    findings += check_job(manifest, documents, size_pods=cluster_ok)
    return findings + check_images(cluster_spec(manifest), cluster_field(manifest))


def kinds_in(paths) -> list[str]:
    """The kinds of KubeRay resource the files hold, of those textml checks (RayService, then RayJob)."""
    found = {d.get("kind") for path in paths for d in yaml.safe_load_all(Path(path).read_text()) if isinstance(d, dict)}
    return [kind for kind in CLUSTER_KEYS if kind in found]


def check_file(path: str | Path, crd: Crds) -> list[Finding]:
    """The findings for every RayService and RayJob in the file and the documents beside them. `crd`: the CRD of
    each kind at hand (one, several, or None); a kind without one skips only its CRD schema check."""
    documents = [d for d in yaml.safe_load_all(Path(path).read_text()) if d]
    resources = [d for d in documents if d.get("kind") in CLUSTER_KEYS]
    if not resources:
        return [Finding("error", "kind", f"{path} holds no RayService or RayJob", "check the file")]
    crds = by_kind(crd)
    findings = []
    for manifest in resources:
        if manifest["kind"] == RAY_JOB:
            findings += check_rayjob(manifest, crds.get(RAY_JOB), documents)
        else:
            findings += check_rayservice(manifest, crds.get(RAY_SERVICE))
    # Secrets and Services beside them: a guessable Redis password, an unreviewed public endpoint.
    return findings + check_security(documents)
