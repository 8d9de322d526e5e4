"""What `textml k8s check` finds in a manifest's secrets, exposure and Ray's own auth: a Redis password anyone can
guess; the dashboard or Serve reachable from outside the cluster with no note that someone decided so; Ray's token
auth off.

These read every document of the file (Secrets, Services and Ingresses beside the RayService). Most only warn: a
guessable password or a public endpoint may be intended on a throw-away cluster, never silently in production.
One is an error: Ray's token auth off while the file puts the head outside the cluster, which hands the cluster
to whoever finds the address.
"""

import base64
import binascii
from urllib.parse import urlparse

from textml.k8s.findings import Finding
from textml.k8s.kinds import CLUSTER_KEYS, RAY_JOB, cluster_field, cluster_spec
from textml.k8s.network_policies import RAY_POD_LABEL
from textml.k8s.ports import CLIENT_PORT, DASHBOARD_PORT, GCS_PORT, GRPC_PORT, HTTP_PORT

# The annotation that records a reviewed exposure, on the RayService or on the exposed Service: its value says
# why (e.g. "internal load balancer, source ranges 10.0.0.0/8"). An empty value is no note.
EXPOSURE_NOTE = "textml.io/exposure-reviewed"
# Values that templates, samples and tutorials leave behind: the first ones anyone tries. 5241590000000000 is the
# password of KubeRay's external-Redis samples (config/samples/ray-cluster.external-redis.yaml), once Ray's default.
PLACEHOLDERS = {
    "", "change-me", "changeme", "change_me", "replace-me", "replaceme", "password", "passwd", "redis", "secret",
    "admin", "default", "example", "test", "todo", "xxx", "5241590000000000",
}  # fmt: skip
# The head's own ports, by number and by the container port names textml renders: what Ray's token guards.
RAY_PORTS = {DASHBOARD_PORT: "dashboard", GCS_PORT: "gcs-server", CLIENT_PORT: "client"}
SERVE_PORTS = {HTTP_PORT, GRPC_PORT}
OUTSIDE_TYPES = ("LoadBalancer", "NodePort")
HEAD_SERVICE_SUFFIX = "-head-svc"  # KubeRay's name for a RayService's head service: <name>-head-svc
AUTH_HOW = (
    "KubeRay v1.7 then makes the token's Secret and gives it to every Ray container; textml k8s render does unless "
    "the profile says ray_auth: disabled"
)
# Ray's job submission API is the dashboard's; Ray 2.60 checks a token only in token auth mode.
DASHBOARD_RISK = "whoever reaches the dashboard can run code in the cluster (unless authOptions.mode is token)"
SERVE_RISK = "Serve checks no caller"
CREATE_SECRET = 'kubectl create secret generic {name} --from-literal={key}="$(openssl rand -hex 32)"'


def check_security(documents: list[dict]) -> list[Finding]:
    return redis_passwords(documents) + exposures(documents) + ray_auth(documents)


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


def _outside(service_spec: dict | None) -> str | None:
    """The Service type that reaches beyond the cluster (LoadBalancer, or NodePort: every node's address), if it is."""
    kind = (service_spec or {}).get("type")
    return kind if kind in OUTSIDE_TYPES else None


def exposures(documents: list[dict]) -> list[Finding]:
    findings = []
    for document in documents:
        if document.get("kind") in CLUSTER_KEYS:  # a RayService, or a RayJob's cluster
            findings += _rayservice_exposures(document)
        elif document.get("kind") == "Service":
            findings += _service_exposure(document)
        elif document.get("kind") == "Ingress":
            findings += _ingress_exposure(document)
    return findings


def _rayservice_exposures(service: dict) -> list[Finding]:
    """The Services KubeRay builds for a RayService (common/service.go): the head service gets every port of the
    head container and headGroupSpec.serviceType, and so does the serve service unless serveService sets a type.
    A RayJob's cluster gets the head service alone."""
    metadata, spec = service.get("metadata"), service.get("spec") or {}
    cluster, field, owner = cluster_spec(service), cluster_field(service), f"the {service.get('kind')}"
    head = cluster.get("headGroupSpec") or {}
    head_service = head.get("headService") or {}
    serve_service = spec.get("serveService") or {}
    head_ports = _head_ports(head)
    # A note on the RayService, or on the Service it's about (headServiceAnnotations land on the head service).
    head_noted = _noted(metadata, {"annotations": cluster.get("headServiceAnnotations")}, head_service.get("metadata"))
    findings = []
    kind = _outside({"type": head.get("serviceType")})
    if kind and not head_noted and service.get("kind") == RAY_JOB:  # a RayJob's cluster has no serve service
        findings.append(
            Finding(
                "warning",
                f"{field}.headGroupSpec.serviceType",
                f"{kind} puts the head service ({head_ports}) outside the cluster: {DASHBOARD_RISK}",
                "remove it (ClusterIP), and reach the dashboard with kubectl port-forward; " + _note_fix(owner),
            )
        )
    elif kind and not head_noted:
        findings.append(
            Finding(
                "warning",
                f"{field}.headGroupSpec.serviceType",
                f"{kind} puts the head service ({head_ports}) and the serve service outside "
                f"the cluster: {DASHBOARD_RISK}",
                "remove it (ClusterIP) and expose Serve alone, through spec.serveService or an Ingress; "
                + _note_fix(owner),
            )
        )
    kind = _outside(head_service.get("spec"))
    if kind and not head_noted:
        findings.append(
            Finding(
                "warning",
                f"{field}.headGroupSpec.headService.spec.type",
                f"{kind} puts the head service ({head_ports}) outside the cluster: " + DASHBOARD_RISK,
                "remove it, and reach the dashboard with kubectl port-forward; " + _note_fix(owner),
            )
        )
    kind = _outside(serve_service.get("spec"))
    if kind and not _noted(metadata, serve_service.get("metadata")):
        findings.append(
            Finding(
                "warning",
                "spec.serveService.spec.type",
                f"{kind} puts Serve's endpoints outside the cluster, and {SERVE_RISK}",
                "put an Ingress or gateway with authentication and TLS in front; " + _note_fix("the RayService"),
            )
        )
    if head.get("enableIngress") and not head_noted:
        findings.append(
            Finding(
                "warning",
                f"{field}.headGroupSpec.enableIngress",
                f"KubeRay creates an Ingress to the dashboard ({DASHBOARD_PORT}; common/ingress.go): {DASHBOARD_RISK}",
                "remove it, and reach the dashboard with kubectl port-forward; " + _note_fix(owner),
            )
        )
    return findings


def _head_ports(head: dict) -> str:
    containers = (head.get("template") or {}).get("spec", {}).get("containers") or [{}]
    ports = [f"{p.get('name', 'port')} {p.get('containerPort')}" for p in containers[0].get("ports") or []]
    return ", ".join(ports) or f"dashboard {DASHBOARD_PORT}"


def _service_targets(service: dict) -> tuple[list[str], list[str]]:
    """The target ports of a Service written beside the RayService that are Ray's own, and Serve's. The dashboard's
    8265 is Ray's wherever it points; GCS 6379 and Ray Client 10001 (Ray Client is often published this way) only
    on a Service that selects Ray pods, since a Redis Service has 6379 too."""
    selector = (service.get("spec") or {}).get("selector") or {}
    ray_pods = any(key.startswith("ray.io/") or key == RAY_POD_LABEL for key in selector)
    ray, serve = [], []
    for port in (service.get("spec") or {}).get("ports") or []:
        numbers, target = {port.get("port"), port.get("targetPort")}, str(port.get("targetPort"))
        if DASHBOARD_PORT in numbers or target == "dashboard":
            ray.append(target)
        elif ray_pods and (numbers & set(RAY_PORTS) or target in RAY_PORTS.values()):
            ray.append(target)
        elif numbers & SERVE_PORTS or target in ("serve", "grpc") or target.startswith("serve-"):
            serve.append(target)
    return ray, serve


def _service_exposure(service: dict) -> list[Finding]:
    """A Service written beside the RayService, e.g. to publish the dashboard or Serve."""
    kind = _outside(service.get("spec"))
    if not kind or _noted(service.get("metadata")):
        return []
    ray, serve = _service_targets(service)
    if not ray and not serve:
        return []
    name = (service.get("metadata") or {}).get("name") or ""
    risks = ([DASHBOARD_RISK] if ray else []) + ([SERVE_RISK] if serve else [])
    return [
        Finding(
            "warning",
            f"Service/{name}.spec.type",
            f"{kind} puts ports {', '.join(ray + serve)} outside the cluster: {'; '.join(risks)}",
            "use ClusterIP behind an Ingress or gateway with authentication; " + _note_fix("this Service"),
        )
    ]


def _ingress_backends(ingress: dict):
    """(service name, port number or name) of every backend of an Ingress (networking.k8s.io/v1)."""
    spec = ingress.get("spec") or {}
    backends = [spec.get("defaultBackend") or {}]
    for rule in spec.get("rules") or []:
        backends += [path.get("backend") or {} for path in ((rule or {}).get("http") or {}).get("paths") or []]
    for backend in backends:
        service = backend.get("service") or {}
        port = service.get("port") or {}
        if service:
            yield service.get("name") or "", port.get("number", port.get("name"))


def _ingress_head_routes(ingress: dict) -> list[str]:
    """The backends of an Ingress that are Ray's own ports: a dashboard, GCS or Ray Client port by number or
    name, or a RayService's head service (<name>-head-svc, utils/util.go:GenerateHeadServiceName) on a port that
    isn't Serve's."""
    routes = []
    for name, port in _ingress_backends(ingress):
        ray_port = port in RAY_PORTS or port in RAY_PORTS.values()
        serve_port = port in SERVE_PORTS or str(port) == "serve" or str(port).startswith("serve-")
        if ray_port or (name.endswith(HEAD_SERVICE_SUFFIX) and not serve_port):
            routes.append(f"{name}:{port}")
    return routes


def _ingress_exposure(ingress: dict) -> list[Finding]:
    routes = _ingress_head_routes(ingress)
    if not routes or _noted(ingress.get("metadata")):
        return []
    name = (ingress.get("metadata") or {}).get("name") or ""
    return [
        Finding(
            "warning",
            f"Ingress/{name}.spec",
            f"routes to the head ({', '.join(routes)}) from outside the cluster: {DASHBOARD_RISK}",
            "route Serve's service alone, and reach the dashboard with kubectl port-forward; "
            + _note_fix("this Ingress"),
        )
    ]


def _head_outside(service: dict) -> list[str]:
    """Where a RayService's (or RayJob's) own fields put its head (dashboard, GCS, Ray Client) beyond the cluster."""
    head = cluster_spec(service).get("headGroupSpec") or {}
    where = []
    kind = _outside({"type": head.get("serviceType")})
    if kind:
        where.append(f"headGroupSpec.serviceType {kind}")
    kind = _outside((head.get("headService") or {}).get("spec"))
    if kind:
        where.append(f"headGroupSpec.headService type {kind}")
    if head.get("enableIngress"):
        where.append("headGroupSpec.enableIngress")
    return where


def _documents_head_outside(documents: list[dict]) -> list[str]:
    """Where the file's Services and Ingresses put a head's ports beyond the cluster."""
    where = []
    for document in documents:
        name = (document.get("metadata") or {}).get("name") or ""
        if document.get("kind") == "Service" and _outside(document.get("spec")) and _service_targets(document)[0]:
            where.append(f"Service/{name} type {document['spec']['type']}")
        elif document.get("kind") == "Ingress" and _ingress_head_routes(document):
            where.append(f"Ingress/{name}")
    return where


def ray_auth(documents: list[dict]) -> list[Finding]:
    """Ray's token auth (KubeRay's authOptions.mode: token) on every RayService and RayJob. Without it, whoever
    reaches the head's dashboard, GCS or Ray Client runs code in the cluster: a warning, since the pods may be out of
    everyone's reach; an error where the file itself puts the head outside the cluster, which no exposure note
    excuses. A Service or Ingress of the file counts against every RayService and RayJob in it."""
    findings = []
    beside = _documents_head_outside(documents)
    for service in (d for d in documents if d.get("kind") in CLUSTER_KEYS):
        if service.get("kind") == RAY_JOB and not cluster_spec(service):
            continue  # a RayJob on the cluster a clusterSelector names: that cluster's manifest says
        options = cluster_spec(service).get("authOptions")
        field = f"{cluster_field(service)}.authOptions"
        if (options or {}).get("mode") == "token":
            continue
        state = _auth_state(options)
        outside = _head_outside(service) + beside
        if outside:
            findings.append(
                Finding(
                    "error",
                    field,
                    f"{state}, while {', '.join(outside)} puts the head outside the cluster: anyone who reaches "
                    f"the dashboard ({DASHBOARD_PORT}) can submit a job, that is run code in the cluster",
                    f"set {field}: {{mode: token}} ({AUTH_HOW}), or keep the head inside the cluster",
                )
            )
        else:
            findings.append(
                Finding(
                    "warning",
                    field,
                    f"{state}: any pod that reaches the head's dashboard, GCS or Ray Client can run code in the "
                    "cluster",
                    f"set {field}: {{mode: token}} ({AUTH_HOW})",
                )
            )
    return findings


def _auth_state(options: dict | None) -> str:
    if options is None:
        return "Ray's token auth is off (no authOptions)"
    if options.get("mode") is None:
        return "Ray's token auth is off: authOptions has no mode, and KubeRay turns it on only for mode token"
    return f"Ray's token auth is off (authOptions.mode {options['mode']})"
