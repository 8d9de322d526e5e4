"""What `textml k8s check` warns about in a manifest's secrets and exposure: a Redis password anyone can guess, and
the dashboard or Serve reachable from outside the cluster with no note that someone decided so.

These read every document of the file (Secrets and Services beside the RayService) and only warn: a guessable
password or a public endpoint may be intended on a throw-away cluster, never silently in production.
"""

import base64
import binascii
from urllib.parse import urlparse

from textml.k8s.findings import Finding

# The annotation that records a reviewed exposure, on the RayService or on the exposed Service: its value says
# why (e.g. "internal load balancer, source ranges 10.0.0.0/8"). An empty value is no note.
EXPOSURE_NOTE = "textml.io/exposure-reviewed"
# Values that templates, samples and tutorials leave behind: the first ones anyone tries. 5241590000000000 is the
# password of KubeRay's external-Redis samples (config/samples/ray-cluster.external-redis.yaml), once Ray's default.
PLACEHOLDERS = {
    "", "change-me", "changeme", "change_me", "replace-me", "replaceme", "password", "passwd", "redis", "secret",
    "admin", "default", "example", "test", "todo", "xxx", "5241590000000000",
}  # fmt: skip
DASHBOARD_PORT = 8265
SERVE_PORTS = {8000, 9000}  # Serve's HTTP and gRPC proxies
# Ray's job submission API is the dashboard's; Ray 2.60 checks a token only in token auth mode.
DASHBOARD_RISK = "whoever reaches the dashboard can run code in the cluster (unless authOptions.mode is token)"
SERVE_RISK = "Serve checks no caller"
CREATE_SECRET = 'kubectl create secret generic {name} --from-literal={key}="$(openssl rand -hex 32)"'


def check_security(documents: list[dict]) -> list[Finding]:
    return redis_passwords(documents) + exposures(documents)


def _is_placeholder(value) -> bool:
    return str(value).strip().lower() in PLACEHOLDERS


def _secret_values(secret: dict) -> dict[str, tuple[str, str]]:
    """key -> (field, value) as the API server stores the Secret: stringData over data (which is base64)."""
    values = {}
    for key, encoded in (secret.get("data") or {}).items():
        try:
            values[key] = (f"data.{key}", base64.b64decode(str(encoded), validate=True).decode())
        except (binascii.Error, UnicodeDecodeError):
            continue  # not base64 text: the API server refuses it, and it is no password
    for key, value in (secret.get("stringData") or {}).items():
        values[key] = (f"stringData.{key}", "" if value is None else str(value))
    return values


def redis_passwords(documents: list[dict]) -> list[Finding]:
    """A Redis password written in the manifest: in the RayService, or in a Secret the RayService's
    gcsFaultToleranceOptions.redisPassword names (or any Secret named like Redis's) holding a placeholder."""
    findings = []
    referenced: dict[str, set[str]] = {}
    for service in (d for d in documents if d.get("kind") == "RayService"):
        where = "spec.rayClusterConfig.gcsFaultToleranceOptions"
        options = ((service.get("spec") or {}).get("rayClusterConfig") or {}).get("gcsFaultToleranceOptions") or {}
        password = options.get("redisPassword") or {}
        ref = (password.get("valueFrom") or {}).get("secretKeyRef") or {}
        if ref.get("name"):
            referenced.setdefault(ref["name"], set()).add(ref.get("key", ""))
        literals = []
        if "value" in password:
            literals.append((f"{where}.redisPassword.value", password["value"]))
        address = str(options.get("redisAddress") or "")
        if "://" in address and urlparse(address).password is not None:
            literals.append((f"{where}.redisAddress", urlparse(address).password))
        for field, value in literals:
            guessable = "a placeholder password" if _is_placeholder(value) else "the Redis password in plain text"
            findings.append(
                Finding(
                    "warning",
                    field,
                    f"{guessable}: anyone who can read the RayService or the repository has it",
                    "use redisPassword.valueFrom.secretKeyRef to a Secret created beforehand: "
                    + CREATE_SECRET.format(name="NAME", key="password"),
                )
            )
    for secret in (d for d in documents if d.get("kind") == "Secret"):
        name = (secret.get("metadata") or {}).get("name") or ""
        for key, (field, value) in _secret_values(secret).items():
            redis_like = "redis" in name.lower() and "pass" in key.lower()
            if (key in referenced.get(name, ()) or redis_like) and _is_placeholder(value):
                findings.append(
                    Finding(
                        "warning",
                        f"Secret/{name}.{field}",
                        f"the Redis password is a placeholder ({value!r}): the first one anyone tries",
                        "remove this Secret from the manifest and create it beforehand: "
                        + CREATE_SECRET.format(name=name, key=key),
                    )
                )
    return findings


def _noted(*metadatas: dict | None) -> bool:
    return any(str(((m or {}).get("annotations") or {}).get(EXPOSURE_NOTE) or "").strip() for m in metadatas)


def _note_fix(where: str) -> str:
    return f'if that is intended, say why in an annotation on {where}: {EXPOSURE_NOTE}: "..."'


def _load_balancer(service_spec: dict | None) -> bool:
    return (service_spec or {}).get("type") == "LoadBalancer"


def exposures(documents: list[dict]) -> list[Finding]:
    findings = []
    for document in documents:
        if document.get("kind") == "RayService":
            findings += _rayservice_exposures(document)
        elif document.get("kind") == "Service":
            findings += _service_exposure(document)
    return findings


def _rayservice_exposures(service: dict) -> list[Finding]:
    """The Services KubeRay builds for a RayService (common/service.go): the head service gets every port of the
    head container and headGroupSpec.serviceType, and so does the serve service unless serveService sets a type."""
    metadata, spec = service.get("metadata"), service.get("spec") or {}
    cluster = spec.get("rayClusterConfig") or {}
    head = cluster.get("headGroupSpec") or {}
    head_service = head.get("headService") or {}
    serve_service = spec.get("serveService") or {}
    head_ports = _head_ports(head)
    # A note on the RayService, or on the Service it's about (headServiceAnnotations land on the head service).
    head_noted = _noted(metadata, {"annotations": cluster.get("headServiceAnnotations")}, head_service.get("metadata"))
    findings = []
    if head.get("serviceType") == "LoadBalancer" and not head_noted:
        findings.append(
            Finding(
                "warning",
                "spec.rayClusterConfig.headGroupSpec.serviceType",
                f"LoadBalancer puts the head service ({head_ports}) and the serve service outside "
                f"the cluster: {DASHBOARD_RISK}",
                "remove it (ClusterIP) and expose Serve alone, through spec.serveService or an Ingress; "
                + _note_fix("the RayService"),
            )
        )
    if _load_balancer(head_service.get("spec")) and not head_noted:
        findings.append(
            Finding(
                "warning",
                "spec.rayClusterConfig.headGroupSpec.headService.spec.type",
                f"LoadBalancer puts the head service ({head_ports}) outside the cluster: " + DASHBOARD_RISK,
                "remove it, and reach the dashboard with kubectl port-forward; " + _note_fix("the RayService"),
            )
        )
    if _load_balancer(serve_service.get("spec")) and not _noted(metadata, serve_service.get("metadata")):
        findings.append(
            Finding(
                "warning",
                "spec.serveService.spec.type",
                f"LoadBalancer puts Serve's endpoints outside the cluster, and {SERVE_RISK}",
                "put an Ingress or gateway with authentication and TLS in front; " + _note_fix("the RayService"),
            )
        )
    if head.get("enableIngress") and not head_noted:
        findings.append(
            Finding(
                "warning",
                "spec.rayClusterConfig.headGroupSpec.enableIngress",
                f"KubeRay creates an Ingress to the dashboard ({DASHBOARD_PORT}; common/ingress.go): {DASHBOARD_RISK}",
                "remove it, and reach the dashboard with kubectl port-forward; " + _note_fix("the RayService"),
            )
        )
    return findings


def _head_ports(head: dict) -> str:
    containers = (head.get("template") or {}).get("spec", {}).get("containers") or [{}]
    ports = [f"{p.get('name', 'port')} {p.get('containerPort')}" for p in containers[0].get("ports") or []]
    return ", ".join(ports) or f"dashboard {DASHBOARD_PORT}"


def _service_exposure(service: dict) -> list[Finding]:
    """A Service written beside the RayService, e.g. to publish the dashboard or Serve."""
    spec = service.get("spec") or {}
    if not _load_balancer(spec) or _noted(service.get("metadata")):
        return []
    dashboard, serve = [], []
    for port in spec.get("ports") or []:
        numbers, target = {port.get("port"), port.get("targetPort")}, str(port.get("targetPort"))
        if DASHBOARD_PORT in numbers or target == "dashboard":
            dashboard.append(target)
        elif numbers & SERVE_PORTS or target in ("serve", "grpc") or target.startswith("serve-"):
            serve.append(target)
    if not dashboard and not serve:
        return []
    name = (service.get("metadata") or {}).get("name") or ""
    risks = ([DASHBOARD_RISK] if dashboard else []) + ([SERVE_RISK] if serve else [])
    return [
        Finding(
            "warning",
            f"Service/{name}.spec.type",
            f"LoadBalancer puts ports {', '.join(dashboard + serve)} outside the cluster: {'; '.join(risks)}",
            "use ClusterIP behind an Ingress or gateway with authentication; " + _note_fix("this Service"),
        )
    ]
