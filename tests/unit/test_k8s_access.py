"""Who may reach and call the rendered RayServices: Ray's token auth on in every manifest, the production
NetworkPolicies (Serve's ports to the namespace; Ray's to the cluster, the KubeRay operator and Prometheus; Redis to
the Ray pods), and the API keys file from a Secret with the quota store in Redis."""

import copy

import jsonschema
import pydantic
import pytest
import yaml

from helpers.manifests import NO_CRD, documents, kuberay_crd, network_policy_schema, of_kind
from helpers.paths import CRD, MANIFESTS, PROFILES, SERVE_CONFIG
from textml import serve_config
from textml.access import keys, quotas
from textml.k8s.check import check_file, strict_schema
from textml.k8s.profile import Profile, load_profile
from textml.k8s.render import render

RAY_PORTS = {6379, 8265, 10001, 8080}  # GCS, dashboard, Ray Client, metrics
PRODUCTION = "production.yaml"


def _rayservice(manifest: str) -> dict:
    [service] = of_kind(manifest, "RayService")
    return service


def _groups(service: dict) -> list[dict]:
    cluster = service["spec"]["rayClusterConfig"]
    return [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]


def _profile(**changes) -> Profile:
    """The production profile with `changes`."""
    return load_profile(PROFILES[0]).model_copy(update=changes)


def _rendered(profile: Profile, tmp_path) -> tuple[list[dict], object]:
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(render(serve_config.load(SERVE_CONFIG), profile, source="test"))
    return [d for d in yaml.safe_load_all(manifest.read_text()) if d], manifest


def _ray_policy(docs: list[dict]) -> dict:
    [policy] = [d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"].endswith("-ray")]
    return policy


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.stem)
def test_every_manifest_turns_on_rays_token_auth(manifest):
    """KubeRay v1.7 then makes the token's Secret and sets RAY_AUTH_MODE and RAY_AUTH_TOKEN in every Ray container;
    rayVersion is past 2.52.0, the first Ray with token auth."""
    cluster = _rayservice(manifest.name)["spec"]["rayClusterConfig"]
    assert cluster["authOptions"] == {"mode": "token"}
    assert tuple(map(int, cluster["rayVersion"].split("."))) >= (2, 52, 0)


def test_a_profile_turns_token_auth_off_only_by_saying_so(tmp_path):
    """Every profile gets token auth unless it says `ray_auth: disabled`; then the manifest says so too, and the
    check warns, naming authOptions."""
    assert "ray_auth" not in yaml.safe_load(PROFILES[0].read_text())
    assert load_profile(PROFILES[0]).ray_auth == "token"
    docs, manifest = _rendered(_profile(ray_auth="disabled"), tmp_path)
    [service] = [d for d in docs if d["kind"] == "RayService"]
    assert service["spec"]["rayClusterConfig"]["authOptions"] == {"mode": "disabled"}
    findings = check_file(manifest, None)
    assert [(f.severity, f.field) for f in findings] == [("warning", "spec.rayClusterConfig.authOptions")]
    with pytest.raises(pydantic.ValidationError, match="ray_auth"):
        Profile.model_validate({**yaml.safe_load(PROFILES[0].read_text()), "ray_auth": "off"})


def test_the_ray_policy_selects_every_ray_pod_and_nothing_else():
    """By the label rendered on every Ray pod template, and KubeRay's ray.io/cluster, which every pod KubeRay makes
    carries (its value, the generated cluster name, changes on every upgrade, so only its presence is asked)."""
    policy = _ray_policy(documents(PRODUCTION))
    selector = policy["spec"]["podSelector"]
    assert selector["matchExpressions"] == [{"key": "ray.io/cluster", "operator": "Exists"}]
    for group in _groups(_rayservice(PRODUCTION)):
        assert selector["matchLabels"].items() <= group["template"]["metadata"]["labels"].items()
    [redis] = of_kind(PRODUCTION, "Deployment")
    assert not selector["matchLabels"].items() <= redis["spec"]["template"]["metadata"]["labels"].items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_serve_ports_are_open_to_the_namespace_and_rays_to_the_cluster_operator_and_prometheus():
    service = _rayservice(PRODUCTION)
    config = yaml.safe_load(service["spec"]["serveConfigV2"])
    serve = {config["http_options"]["port"], config["grpc_options"]["port"]}
    assert serve == {8000, 9000}
    selector = _ray_policy(documents(PRODUCTION))["spec"]["podSelector"]
    rules = _ray_policy(documents(PRODUCTION))["spec"]["ingress"]
    by_source = {yaml.safe_dump(rule["from"]): {p["port"] for p in rule.get("ports", [])} for rule in rules}
    assert all(p["protocol"] == "TCP" for rule in rules for p in rule.get("ports", []))
    # Serve's ports from every pod of the policy's own namespace: podSelector {} with no namespaceSelector.
    assert by_source.pop(yaml.safe_dump([{"podSelector": {}}])) == serve
    # Every port from the cluster's own pods: Ray picks most of its ports at random.
    assert by_source.pop(yaml.safe_dump([{"podSelector": selector}])) == set()
    operator = [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ray-system"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "kuberay-operator"}},
        }
    ]
    assert by_source.pop(yaml.safe_dump(operator)) == {8265, 8000}
    prometheus = [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "prometheus-system"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
        }
    ]
    assert by_source.pop(yaml.safe_dump(prometheus)) == {8080, 44217, 44227}
    assert by_source == {}
    assert not RAY_PORTS & serve


def test_the_operator_and_prometheus_are_profile_settings(tmp_path):
    settings = {
        "operator": {"namespace": "kuberay", "labels": {"app.kubernetes.io/instance": "ops"}},
        "prometheus": {"namespace": "monitoring", "labels": {"prometheus": "k8s"}},
    }
    profile = Profile.model_validate({**yaml.safe_load(PROFILES[0].read_text()), "network_policy": settings})
    docs, manifest = _rendered(profile, tmp_path)
    peers = [rule["from"][0] for rule in _ray_policy(docs)["spec"]["ingress"] if "namespaceSelector" in rule["from"][0]]
    assert [
        (p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], p["podSelector"]["matchLabels"])
        for p in peers
    ] == [("kuberay", {"app.kubernetes.io/instance": "ops"}), ("monitoring", {"prometheus": "k8s"})]
    assert check_file(manifest, None) == []


@pytest.mark.parametrize("manifest", ["quickstart.yaml", "text-ml.yaml"])
def test_the_other_profiles_render_no_policy_and_no_keys(manifest):
    assert [d["kind"] for d in documents(manifest)] == ["RayService"]
    for group in _groups(_rayservice(manifest)):
        [container] = group["template"]["spec"]["containers"]
        assert "env" not in container and "volumeMounts" not in container
        assert "volumes" not in group["template"]["spec"]


@pytest.fixture(scope="module")
def policy_validator():
    if not CRD.is_file():
        pytest.skip(NO_CRD)
    return jsonschema.Draft7Validator(strict_schema(network_policy_schema(kuberay_crd(CRD))))


def test_the_network_policies_have_the_shape_kubernetes_defines(policy_validator):
    """Against NetworkPolicySpec's fields and the networking/v1 rule, peer, port and LabelSelector types KubeRay's
    CRD embeds (unknown fields refused, as the API server does), plus what the API server checks beyond types."""
    policies = of_kind(PRODUCTION, "NetworkPolicy")
    assert [p["metadata"]["name"] for p in policies] == ["textml-redis", "textml-ray"]
    for policy in policies:
        assert list(policy_validator.iter_errors(policy)) == []
        selectors = [policy["spec"]["podSelector"]]
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                selectors += [peer[key] for key in ("podSelector", "namespaceSelector") if key in peer]
            for port in rule.get("ports", []):
                assert port["protocol"] in ("TCP", "UDP", "SCTP") and 0 < port["port"] < 65536
        for selector in selectors:
            for expression in selector.get("matchExpressions", []):
                assert expression["operator"] in ("In", "NotIn", "Exists", "DoesNotExist")
                assert bool(expression.get("values")) == (expression["operator"] in ("In", "NotIn"))


@pytest.mark.parametrize(
    "path, value",
    [("ingress.0.from.0.podSelektor", {}), ("ingress.0.ports.0.port", [8000]), ("policyTypes.0", "ingress")],
)
def test_the_policy_schema_refuses_what_kubernetes_would(policy_validator, path, value):
    """The schema isn't vacuous: a misspelt field, a port list and a lower-case policy type are refused."""
    policy = copy.deepcopy(_ray_policy(documents(PRODUCTION)))
    *parents, last = path.split(".")
    target = policy["spec"]
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(last) if last.isdigit() else last] = value
    assert list(policy_validator.iter_errors(policy))


def test_the_ray_pods_reach_redis():
    """The GCS on the head, KubeRay's clean-up Job (built from the head's pod) and the ingress replicas on the
    workers, which keep the quotas there: every Ray pod, on the Redis port alone; and, through a blue/green
    upgrade, the head and clean-up Job of a cluster rendered before, by the label they carry."""
    [redis] = of_kind(PRODUCTION, "Deployment")
    [policy] = [p for p in of_kind(PRODUCTION, "NetworkPolicy") if p["metadata"]["name"] == "textml-redis"]
    cluster = _rayservice(PRODUCTION)["spec"]["rayClusterConfig"]
    assert policy["spec"]["podSelector"]["matchLabels"] == redis["spec"]["template"]["metadata"]["labels"]
    [rule] = policy["spec"]["ingress"]
    [source, earlier] = rule["from"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]
    assert earlier["podSelector"] == {
        "matchLabels": {"textml.io/redis-client": "textml-redis"},
        "matchExpressions": [{"key": "ray.io/node-type", "operator": "In", "values": ["head", "redis-cleanup"]}],
    }
    assert source["podSelector"] == _ray_policy(documents(PRODUCTION))["spec"]["podSelector"]
    for group in _groups(_rayservice(PRODUCTION)):
        assert source["podSelector"]["matchLabels"].items() <= group["template"]["metadata"]["labels"].items()
    assert cluster["gcsFaultToleranceOptions"]["redisAddress"].startswith(redis["metadata"]["name"])


def test_the_keys_file_comes_from_a_required_secret_in_every_ray_container():
    """Mounted as a folder (a subPath mount never sees the Secret change, and the ingress rereads the file when it
    does), read-only, and not optional: no pod serves without the keys."""
    for group in _groups(_rayservice(PRODUCTION)):
        spec = group["template"]["spec"]
        [container] = spec["containers"]
        [volume] = spec["volumes"]
        assert volume["secret"] == {
            "secretName": "textml-api-keys",
            "items": [{"key": "keys.yaml", "path": "keys.yaml"}],
            "optional": False,
        }
        [mount] = container["volumeMounts"]
        assert mount == {"name": volume["name"], "mountPath": "/etc/textml/keys", "readOnly": True}
        env = {e["name"]: e for e in container["env"]}
        assert env[keys.ENV]["value"] == f"{mount['mountPath']}/{volume['secret']['items'][0]['path']}"


def test_the_quotas_are_counted_in_the_production_redis_database_1(monkeypatch):
    """The password comes from the Redis Secret the GCS reads, through an env var defined before the URI (Kubernetes
    expands $(NAME) only from earlier entries), and textml takes the expanded URI as a Redis store."""
    cluster = _rayservice(PRODUCTION)["spec"]["rayClusterConfig"]
    options = cluster["gcsFaultToleranceOptions"]
    for group in _groups(_rayservice(PRODUCTION)):
        [container] = group["template"]["spec"]["containers"]
        names = [e["name"] for e in container["env"]]
        env = {e["name"]: e for e in container["env"]}
        uri = env[quotas.STORAGE_ENV]["value"]
        password = uri.partition("$(")[2].partition(")")[0]
        assert env[password]["valueFrom"] == options["redisPassword"]["valueFrom"]
        assert names.index(password) < names.index(quotas.STORAGE_ENV)
        assert password != "REDIS_PASSWORD"  # KubeRay's own, set on the head after the template's env
        assert uri == f"redis://:$({password})@{options['redisAddress']}/1"
        monkeypatch.setenv(quotas.STORAGE_ENV, uri.replace(f"$({password})", "0f" * 32))
        assert quotas.shown(quotas.storage_uri()) == f"async+redis://{options['redisAddress']}/1"


def test_without_redis_the_keys_come_without_a_shared_quota_store(tmp_path):
    docs, manifest = _rendered(_profile(redis=False), tmp_path)
    [service] = [d for d in docs if d["kind"] == "RayService"]
    for group in _groups(service):
        [container] = group["template"]["spec"]["containers"]
        assert [e["name"] for e in container["env"]] == [keys.ENV]
    assert check_file(manifest, None) == []
