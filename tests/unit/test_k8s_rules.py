"""Every `textml k8s check` rule about serveConfigV2 as Serve applies it, about what KubeRay refuses or schedules,
and about secrets and exposure: each fires on the quick start manifest broken for it, names the field and a fix,
and says why."""

import copy
from pathlib import Path
from typing import Callable, NamedTuple

import pytest
import yaml

from helpers.cluster import run
from helpers.manifests import SCHEMAS, apps, kuberay_crd, quickstart, serve, set_path
from helpers.paths import KUBERNETES
from textml.k8s.check import check_file, check_serve_config
from textml.k8s.crd import RayServiceCrd
from textml.k8s.security_rules import EXPOSURE_NOTE


@pytest.fixture(scope="module", params=list(SCHEMAS.values()), ids=list(SCHEMAS))
def crd(request) -> RayServiceCrd | None:
    """KubeRay's CRD where it is, and None: no rule here needs the CRD schema."""
    return kuberay_crd(request.param)


class Rule(NamedTuple):
    breaks: Callable  # edits the quick start RayService in place; a list it returns is written before it
    severity: str
    field: str  # the finding's field starts with this
    words: str  # in its problem or fix
    why: str  # the mistake and where users met it


def _deployment(app: int, index: int, **options):
    return apps(lambda items: items[app]["deployments"][index].update(options))


def _actor(app: int, index: int, **options):
    return apps(lambda items: items[app]["deployments"][index].setdefault("ray_actor_options", {}).update(options))


def _app(index: int, **options):
    return apps(lambda items: items[index].update(options))


def _redis_secret(name: str, **contents):
    """GCS fault tolerance with the Redis password in Secret `name`, which holds `contents` (stringData, data)."""

    def breaks(service):
        set_path(
            "spec.rayClusterConfig.gcsFaultToleranceOptions",
            {
                "redisAddress": "redis:6379",
                "redisPassword": {"valueFrom": {"secretKeyRef": {"name": name, "key": "password"}}},
            },
        )(service)
        return [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, **contents}]

    return breaks


def _load_balancer(port: int):
    """A Service of type LoadBalancer beside the RayService, onto `port` of its head."""
    spec = {
        "type": "LoadBalancer",
        "selector": {"ray.io/node-type": "head"},
        "ports": [{"port": port, "targetPort": port}],
    }
    return lambda service: [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "public"}, "spec": spec}]


def _ingress(service: str, port):
    """An Ingress beside the RayService, routing / to `port` (a number or a name) of Service `service`."""
    backend = {"service": {"name": service, "port": {"number": port} if isinstance(port, int) else {"name": port}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    spec = {"rules": [{"http": {"paths": [path]}}]}
    return lambda service: [
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "dashboard"}, "spec": spec}
    ]


def _no_token(*breaks):
    """The quick start without Ray's token auth (no authOptions), broken further by each of `breaks`."""

    def apply(service):
        service["spec"]["rayClusterConfig"].pop("authOptions")
        others = [edit(service) for edit in breaks]
        return [document for result in others if isinstance(result, list) for document in result]

    return apply


MANGO = "spec.serveConfigV2.applications[0].deployments[0]"  # fruit_app's MangoStand
ADDER = "spec.serveConfigV2.applications[1].deployments[0]"  # math_app's Adder

RULES = {
    # Keys Serve's schema accepts, then ignores.
    "ignored-key": Rule(
        _deployment(0, 0, num_replica=2), "error", f"{MANGO}.num_replica", "did you mean num_replicas",
        "issue #14: a typo passes Ray's schema and runs one replica",
    ),
    "app-level-option": Rule(
        _app(0, num_replicas=2), "error", "spec.serveConfigV2.applications[0].num_replicas", "each deployment",
        "options written on the application instead of its deployments are dropped",
    ),
    "max-ongoing-in-autoscaling": Rule(
        _deployment(0, 0, num_replicas=None, autoscaling_config={"max_replicas": 2, "max_ongoing_requests": 8}),
        "error", f"{MANGO}.autoscaling_config.max_ongoing_requests", "ray #61439",
        "ray #61439: max_ongoing_requests inside autoscaling_config is ignored and the default 5 kept",
    ),
    "num-cpus-outside-actor-options": Rule(
        _deployment(0, 0, num_cpus=2), "error", f"{MANGO}.num_cpus", "ray_actor_options",
        "resources belong in ray_actor_options; at the deployment level they are dropped",
    ),
    "camel-case": Rule(
        _deployment(0, 0, rayActorOptions={"num_cpus": 1}), "error", f"{MANGO}.rayActorOptions", "ray_actor_options",
        "kuberay PR #1221: serveConfigV2 is Serve's snake_case config, unlike the CRD around it",
    ),
    "old-name": Rule(
        _deployment(0, 0, max_concurrent_queries=8), "error", f"{MANGO}.max_concurrent_queries", "max_ongoing_requests",
        "a renamed option's old name passes the schema and does nothing",
    ),
    "old-autoscaling-name": Rule(
        _deployment(0, 0, num_replicas=None, autoscaling_config={"target_num_ongoing_requests_per_replica": 2}),
        "error", f"{MANGO}.autoscaling_config.target_num_ongoing_requests_per_replica", "target_ongoing_requests",
        "docling-project/docling-jobkit PR #173: the old autoscaling target was silently ignored",
    ),
    "actor-options-typo": Rule(
        _actor(0, 0, num_cpu=1), "error", f"{MANGO}.ray_actor_options.num_cpu", "did you mean num_cpus",
        "ray_actor_options drops unknown keys too",
    ),
    "http-options-typo": Rule(
        serve(lambda c: c["http_options"].update(prot=8001)), "error", "spec.serveConfigV2.http_options.prot",
        "did you mean port", "http_options drops unknown keys",
    ),
    "refused-key": Rule(
        serve(lambda c: c["logging_config"].update(level="DEBUG")), "error", "spec.serveConfigV2.logging_config.level",
        "log_level", "logging_config refuses unknown keys: the whole config fails, with no hint of the right one",
    ),
    "runtime-env-field": Rule(
        _app(0, runtime_env={"pipp": ["requests"]}), "warning", "spec.serveConfigV2.applications[0].runtime_env.pipp",
        "did you mean pip", "Ray only logs that an unknown runtime_env field is ignored (a plugin may read it)",
    ),
    # Values Serve refuses or misreads when it applies the config.
    "env-var-not-string": Rule(
        _app(0, runtime_env={"env_vars": {"DEBUG": True}}), "error",
        "spec.serveConfigV2.applications[0].runtime_env.env_vars.DEBUG", 'quote it: DEBUG: "true"',
        "masumi-network/kodosumi #82: an unquoted YAML bool was stored, then broke the Serve controller's recovery",
    ),
    "env-var-number": Rule(
        _actor(0, 0, runtime_env={"env_vars": {"PORT": 8080}}), "error",
        f"{MANGO}.ray_actor_options.runtime_env.env_vars.PORT", "strings only",
        "ray PR #30974: a number in env_vars (from a UX study) fails the deploy",
    ),
    "runtime-env-conflict": Rule(
        _app(0, runtime_env={"pip": ["requests"], "conda": "env"}), "error",
        "spec.serveConfigV2.applications[0].runtime_env", "cannot be specified at the same time",
        "Ray's RuntimeEnv refuses pip with conda or uv when the app is built",
    ),
    "local-py-modules": Rule(
        _actor(0, 0, runtime_env={"py_modules": ["./mymodule"]}), "error",
        f"{MANGO}.ray_actor_options.runtime_env.py_modules", "local path",
        "the pods have no copy of a path on the machine that ran kubectl",
    ),
    "route-prefix": Rule(
        _app(0, route_prefix="fruit"), "error", "spec.serveConfigV2.applications[0].route_prefix", "forward slash",
        "ray #35728: the schema accepts it, the controller refuses it (DEPLOY_FAILED)",
    ),
    "duplicate-deployment": Rule(
        apps(lambda items: items[0]["deployments"].append({"name": "MangoStand", "num_replicas": 2})), "error",
        "spec.serveConfigV2.applications[0].deployments[4].name", "listed twice",
        "Serve keeps the later entry without a word, losing the first one's options",
    ),
    "autoscaling-bounds": Rule(
        _deployment(0, 0, num_replicas=None, autoscaling_config={"min_replicas": 3, "max_replicas": 2}), "error",
        f"{MANGO}.autoscaling_config", "greater than or equal to min_replicas",
        "autoscaling_config stays a dict in the schema; the controller refuses it on deploy",
    ),
    "autoscaling-never": Rule(
        _deployment(0, 0, num_replicas=None, max_ongoing_requests=1, autoscaling_config={"max_replicas": 2}),
        "warning", f"{MANGO}.max_ongoing_requests", "never",
        "Serve's own warning: a replica capped below the target never looks busy enough to scale",
    ),
    "user-config-without-reconfigure": Rule(
        _deployment(0, 3, user_config={"price": 1}), "error", "spec.serveConfigV2.applications[0].deployments[3]"
        ".user_config", "no reconfigure method", "Serve fails every replica: user_config needs reconfigure()",
    ),
    # Proxies as KubeRay reaches them.
    "loopback-proxy": Rule(
        serve(lambda c: c["http_options"].update(host="127.0.0.1")), "error", "spec.serveConfigV2.http_options.host",
        "0.0.0.0", "the operator and the serve Service reach proxies at the pod's IP",
    ),
    "proxies-disabled": Rule(
        serve(lambda c: c.update(proxy_location="Disabled")), "error", "spec.serveConfigV2.proxy_location",
        "never becomes Ready", "no proxy, no serve endpoint: the RayService never becomes Ready",
    ),
    "head-only-proxy": Rule(
        serve(lambda c: c.update(proxy_location="HeadOnly")), "warning", "spec.serveConfigV2.proxy_location",
        "kuberay #4994", "kuberay #4994: workers' readiness probe asks a local proxy, so every worker stays NotReady",
    ),
    "serve-port": Rule(
        serve(lambda c: c["http_options"].update(port=8001)), "error",
        "spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].ports", "8001",
        "the serve Service and worker probes use the container port named serve: it must be Serve's port",
    ),
    "serve-config-mapping": Rule(
        lambda s: s["spec"].update(serveConfigV2=yaml.safe_load(s["spec"]["serveConfigV2"])), "error",
        "spec.serveConfigV2", "block string", "kuberay PR #1221: serveConfigV2 is a string to the CRD",
    ),
    # Replicas against the pods.
    "replica-too-big": Rule(
        _actor(0, 0, num_cpus=3), "error", f"{MANGO}.ray_actor_options", "kuberay #1090",
        "kuberay #1090: a replica larger than every pod is never scheduled, whatever the cluster's total",
    ),
    "gpu-without-gpus": Rule(
        _actor(0, 0, num_gpus=1), "error", f"{MANGO}.ray_actor_options", "GPU 1",
        "no worker group offers GPUs (no nvidia.com/gpu limit, no num-gpus)",
    ),
    "replicas-dont-fit": Rule(
        _deployment(1, 0, num_replicas=20), "error", "spec.serveConfigV2", "never become RUNNING",
        "replicas beyond the most pods the cluster can have stay pending, and the app never RUNNING",
    ),
    "max-replicas-unreachable": Rule(
        _deployment(1, 0, num_replicas=None, autoscaling_config={"max_replicas": 30}), "warning",
        f"{ADDER}.autoscaling_config.max_replicas", "can't reach 30",
        "issue #14: Serve autoscaling beyond the cluster's maximum workers waits forever",
    ),
    "max-replicas-per-node": Rule(
        _deployment(1, 0, num_replicas=3, max_replicas_per_node=1), "error", f"{ADDER}.max_replicas_per_node",
        "at most 2 pods", "ray #48471: replicas capped per node need that many nodes",
    ),
    # What KubeRay's validation refuses (Ready=False, ValidationFailed) or changes quietly.
    "name-too-long": Rule(
        set_path("metadata.name", "r" * 48), "error", "metadata.name", "47",
        "kuberay PR #3083: cluster names add a suffix, so RayService names stop at 47 characters",
    ),
    "name-not-dns": Rule(
        set_path("metadata.name", "Ray_Service"), "error", "metadata.name", "DNS-1035",
        "ValidateRayServiceMetadata: the name becomes Service names",
    ),
    "initializing-timeout": Rule(
        lambda s: s["metadata"].update(annotations={"ray.io/initializing-timeout": "ten minutes"}), "error",
        "metadata.annotations.ray.io/initializing-timeout", "Go duration",
        "ValidateRayServiceMetadata refuses a timeout it can't parse",
    ),
    "cluster-upgrade-strategy": Rule(
        set_path("spec.rayClusterConfig.upgradeStrategy", {"type": "None"}), "error",
        "spec.rayClusterConfig.upgradeStrategy", "spec.upgradeStrategy",
        "ValidateRayClusterUpgradeOptions: a RayService's cluster takes no upgradeStrategy of its own",
    ),
    "incremental-prerequisites": Rule(
        set_path("spec.upgradeStrategy", {"type": "NewClusterWithIncrementalUpgrade"}), "error",
        "spec.rayClusterConfig.enableInTreeAutoscaling", "autoscaler",
        "ValidateClusterUpgradeOptions: the incremental upgrade needs the autoscaler and its options",
    ),
    "head-service-name": Rule(
        set_path("spec.rayClusterConfig.headGroupSpec.headService", {"metadata": {"name": "head"}}), "error",
        "spec.rayClusterConfig.headGroupSpec.headService.metadata.name", "remove",
        "ValidateRayServiceSpec: KubeRay names the head service per cluster",
    ),
    "min-above-max": Rule(
        set_path("spec.rayClusterConfig.workerGroupSpecs.0.minReplicas", 3), "error",
        "spec.rayClusterConfig.workerGroupSpecs[0].minReplicas", "above maxReplicas",
        "ValidateRayClusterSpec refuses minReplicas > maxReplicas",
    ),
    "replicas-clamped": Rule(
        set_path("spec.rayClusterConfig.workerGroupSpecs.0.replicas", 5), "warning",
        "spec.rayClusterConfig.workerGroupSpecs[0].replicas", "quietly runs 2",
        "GetWorkerGroupDesiredReplicas clamps replicas into [min, max] without a word",
    ),
    # Secrets and exposure (security_rules.py): warnings, since a throw-away cluster may mean it.
    "redis-password-placeholder": Rule(
        _redis_secret("gcs-storage", stringData={"password": "change-me"}), "warning",
        "Secret/gcs-storage.stringData.password", "placeholder",
        "a template's Secret applied as is guards Redis (the cluster's whole GCS state) with the first password tried",
    ),
    "redis-password-kuberay-sample": Rule(
        _redis_secret("redis-password-secret", data={"password": "NTI0MTU5MDAwMDAwMDAwMA=="}), "warning",
        "Secret/redis-password-secret.data.password", "5241590000000000",
        "KubeRay's external-Redis samples ship this password (base64), and copies of them keep it",
    ),
    "redis-password-in-manifest": Rule(
        set_path("spec.rayClusterConfig.gcsFaultToleranceOptions", {"redisAddress": "redis:6379",
                 "redisPassword": {"value": "a8f0c3e1"}}), "warning",
        "spec.rayClusterConfig.gcsFaultToleranceOptions.redisPassword.value", "plain text",
        "a literal redisPassword is readable by whoever can get the RayService, and sits in the repository",
    ),
    "head-load-balancer": Rule(
        set_path("spec.rayClusterConfig.headGroupSpec.serviceType", "LoadBalancer"), "warning",
        "spec.rayClusterConfig.headGroupSpec.serviceType", "dashboard 8265",
        "KubeRay gives the head and the serve service this type (common/service.go): the dashboard, which runs "
        "submitted jobs, goes public with Serve",
    ),
    "head-service-load-balancer": Rule(
        set_path("spec.rayClusterConfig.headGroupSpec.headService", {"spec": {"type": "LoadBalancer"}}), "warning",
        "spec.rayClusterConfig.headGroupSpec.headService.spec.type", "run code in the cluster",
        "a custom head service keeps its own type: the dashboard goes public",
    ),
    "serve-load-balancer": Rule(
        set_path("spec.serveService", {"spec": {"type": "LoadBalancer"}}), "warning", "spec.serveService.spec.type",
        "Serve checks no caller", "Serve has no authentication: a public endpoint answers (and costs) for anyone",
    ),
    "dashboard-ingress": Rule(
        set_path("spec.rayClusterConfig.headGroupSpec.enableIngress", True), "warning",
        "spec.rayClusterConfig.headGroupSpec.enableIngress", "Ingress to the dashboard",
        "KubeRay's head Ingress routes to the dashboard port (common/ingress.go)",
    ),
    "service-load-balancer": Rule(
        _load_balancer(8265), "warning", "Service/public.spec.type", "8265",
        "a Service written beside the RayService publishes the dashboard as surely as KubeRay's own",
    ),
    "head-node-port": Rule(
        set_path("spec.rayClusterConfig.headGroupSpec.serviceType", "NodePort"), "warning",
        "spec.rayClusterConfig.headGroupSpec.serviceType", "NodePort puts the head service",
        "a NodePort opens the head's ports on every node's address, outside the cluster like a load balancer",
    ),
    "dashboard-ingress-document": Rule(
        _ingress("rayservice-sample-head-svc", "dashboard"), "warning", "Ingress/dashboard.spec", "routes to the head",
        "an Ingress of one's own to the head service publishes the dashboard like KubeRay's enableIngress",
    ),
    # Ray's own token auth (KubeRay's authOptions).
    "ray-auth-missing": Rule(
        _no_token(), "warning", "spec.rayClusterConfig.authOptions", "no authOptions",
        "Ray 2.60 checks no token unless told: any pod reaching the head can submit jobs",
    ),
    "ray-auth-disabled": Rule(
        set_path("spec.rayClusterConfig.authOptions", {"mode": "disabled"}), "warning",
        "spec.rayClusterConfig.authOptions", "mode disabled", "a profile may turn it off, never silently",
    ),
    "ray-auth-without-mode": Rule(
        set_path("spec.rayClusterConfig.authOptions", {}), "warning", "spec.rayClusterConfig.authOptions",
        "no mode", "KubeRay's docs say token is the default mode, but utils/util.go:IsAuthEnabled asks mode == token",
    ),
    "ray-auth-k8s-token": Rule(
        set_path("spec.rayClusterConfig.authOptions", {"mode": "token", "enableK8sTokenAuth": True}), "error",
        "spec.rayClusterConfig.authOptions.enableK8sTokenAuth", "RayClusters only",
        "ValidateRayServiceSpec refuses Kubernetes-delegated token auth on a RayService",
    ),
    "ray-auth-old-ray": Rule(
        set_path("spec.rayClusterConfig.rayVersion", "2.51.0"), "error", "spec.rayClusterConfig.authOptions.mode",
        "2.52.0", "ValidateRayClusterSpec: token auth came with Ray 2.52.0",
    ),
    # The head outside the cluster without Ray's token: errors, whatever the exposure note says.
    "open-head-service-type": Rule(
        _no_token(set_path("spec.rayClusterConfig.headGroupSpec.serviceType", "LoadBalancer")), "error",
        "spec.rayClusterConfig.authOptions", "headGroupSpec.serviceType LoadBalancer",
        "a public dashboard without a token runs anyone's jobs: the ShadowRay attacks on exposed Ray clusters",
    ),
    "open-head-service-node-port": Rule(
        _no_token(set_path("spec.rayClusterConfig.headGroupSpec.headService", {"spec": {"type": "NodePort"}})),
        "error", "spec.rayClusterConfig.authOptions", "headService type NodePort",
        "a NodePort head service is reachable at every node's address",
    ),
    "open-head-enable-ingress": Rule(
        _no_token(set_path("spec.rayClusterConfig.headGroupSpec.enableIngress", True)), "error",
        "spec.rayClusterConfig.authOptions", "enableIngress", "KubeRay's head Ingress routes to the dashboard",
    ),
    "open-ray-client-service": Rule(
        _no_token(_load_balancer(10001)), "error", "spec.rayClusterConfig.authOptions",
        "Service/public type LoadBalancer", "Ray Client published through a load balancer runs anyone's code",
    ),
    "open-dashboard-ingress-document": Rule(
        _no_token(_ingress("rayservice-sample-head-svc", 8265)), "error", "spec.rayClusterConfig.authOptions",
        "Ingress/dashboard", "an Ingress of one's own to the dashboard, in the same file",
    ),
}  # fmt: skip


def _write(tmp_path: Path, rule: Rule, annotate: bool = False) -> Path:
    """The quick start manifest broken for `rule`, every document annotated as reviewed when `annotate`."""
    service = copy.deepcopy(quickstart())
    others = rule.breaks(service)
    documents = [*others, service] if isinstance(others, list) else [service]
    if annotate:
        for document in documents:
            document.setdefault("metadata", {}).setdefault("annotations", {})[EXPOSURE_NOTE] = "internal LB, 10/8"
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(yaml.safe_dump_all(documents))
    return manifest


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_names_the_field_and_fix(crd, tmp_path, rule):
    breaks, severity, field, words, why = RULES[rule]
    assert why
    findings = check_file(_write(tmp_path, RULES[rule]), crd)
    assert any(
        f.severity == severity and f.field.startswith(field) and words in f"{f.problem} {f.fix}" for f in findings
    ), "\n".join(map(str, findings))
    if severity == "warning":
        assert [f for f in findings if f.severity == "error"] == []
    assert all(f.fix for f in findings)


EXPOSURES = [
    name
    for name, rule in RULES.items()
    if rule.severity == "warning" and name.endswith(("load-balancer", "node-port", "ingress", "ingress-document"))
]
OPEN_HEADS = [name for name in RULES if name.startswith("open-")]


@pytest.mark.parametrize("rule", EXPOSURES)
def test_a_reviewed_exposure_is_not_warned(crd, tmp_path, rule):
    assert check_file(_write(tmp_path, RULES[rule], annotate=True), crd) == []


@pytest.mark.parametrize("rule", OPEN_HEADS)
def test_no_exposure_note_excuses_an_open_head_without_a_token(crd, tmp_path, rule):
    findings = check_file(_write(tmp_path, RULES[rule], annotate=True), crd)
    errors = [f for f in findings if f.severity == "error"]
    assert [f.field for f in errors] == ["spec.rayClusterConfig.authOptions"], errors
    assert "authOptions: {mode: token}" in errors[0].fix


@pytest.mark.parametrize(
    "breaks",
    [
        set_path("spec.serveService", {"spec": {"type": "LoadBalancer"}}),
        _ingress("rayservice-sample-serve-svc", 8000),
        _ingress("rayservice-sample-head-svc", "serve"),
        lambda service: [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "redis"},
             "spec": {"type": "LoadBalancer", "selector": {"app": "redis"}, "ports": [{"port": 6379}]}}
        ],
    ],
    ids=["serve-service", "serve-ingress", "head-service-serve-port", "redis-service"],
)  # fmt: skip
def test_publishing_serve_alone_is_no_auth_error(crd, tmp_path, breaks):
    """Ray's token guards the dashboard, GCS and Ray Client, not Serve's proxies nor a Redis: publishing those
    without it is no reason for an authOptions error (the missing token is still warned)."""
    rule = Rule(_no_token(breaks), "warning", "spec.rayClusterConfig.authOptions", "no authOptions", "-")
    findings = check_file(_write(tmp_path, rule, annotate=True), crd)
    assert [(f.severity, f.field) for f in findings] == [("warning", "spec.rayClusterConfig.authOptions")]


def test_check_command_fails_on_a_public_head_without_a_token(tmp_path):
    """The exit status and the line a user sees; a missing token alone is a warning, and exits 0."""
    manifest = _write(tmp_path, RULES["open-head-service-type"])
    result = run("textml", "k8s", "check", str(manifest), check=False, env={"PATH": str(tmp_path)})
    assert result.returncode == 1, result.stdout
    assert "error: spec.rayClusterConfig.authOptions: Ray's token auth is off" in result.stdout
    assert "set spec.rayClusterConfig.authOptions: {mode: token}" in result.stdout
    manifest = _write(tmp_path, RULES["ray-auth-missing"])
    result = run("textml", "k8s", "check", str(manifest), check=False, env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stdout
    assert "warning: spec.rayClusterConfig.authOptions" in result.stdout


def test_a_generated_redis_password_is_not_warned(crd, tmp_path):
    rule = RULES["redis-password-placeholder"]._replace(
        breaks=_redis_secret("gcs-storage", stringData={"password": "0f6b8c2e9a4d1e7f"})
    )
    assert check_file(_write(tmp_path, rule), crd) == []


def test_head_serving_nothing_is_not_a_place_for_replicas(crd, tmp_path):
    """production.yaml keeps replicas off the head (num-cpus 0): its replicas are placed on workers alone, and
    they fit; one worker fewer than the per-node cap needs is an error."""
    [service] = [
        d for d in yaml.safe_load_all((KUBERNETES / "production.yaml").read_text()) if d["kind"] == "RayService"
    ]
    manifest = tmp_path / "production.yaml"
    manifest.write_text(yaml.safe_dump(service))
    assert check_file(manifest, crd) == []
    set_path("spec.rayClusterConfig.workerGroupSpecs.0.maxReplicas", 1)(service)
    set_path("spec.rayClusterConfig.workerGroupSpecs.0.minReplicas", 1)(service)
    set_path("spec.rayClusterConfig.workerGroupSpecs.0.replicas", 1)(service)
    manifest.write_text(yaml.safe_dump(service))
    errors = [f for f in check_file(manifest, crd) if f.severity == "error"]
    assert any(f.field.endswith("max_replicas_per_node") and "needs 2 replicas" in f.problem for f in errors), errors


def test_textml_up_keeps_the_serve_rules_but_not_the_pod_ones():
    """`textml up` checks a local config with the same Serve rules; a loopback proxy is right locally."""
    config = yaml.safe_load(quickstart()["spec"]["serveConfigV2"])
    config["http_options"]["host"] = "127.0.0.1"
    config["applications"][0]["deployments"][0]["num_replica"] = 2
    findings, _ = check_serve_config(yaml.safe_dump(config), field="config")
    assert [f.field for f in findings] == ["config.applications[0].deployments[0].num_replica"]
