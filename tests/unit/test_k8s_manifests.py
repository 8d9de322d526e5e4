"""RayService manifests: rendered from the Serve config, and checked as `textml k8s check` checks them (the RayJob's
own: test_k8s_rayjob.py)."""

import copy
import re
from pathlib import Path

import pytest
import ray
import yaml

from helpers.cluster import run
from helpers.manifests import (
    NO_CRD,
    SCHEMAS,
    apps,
    edit_serve_config,
    head,
    kuberay_crd,
    quickstart,
    set_path,
    worker,
)
from helpers.paths import CRD, JOB_MANIFESTS, KUBERNETES, MANIFESTS, PROFILES, ROOT, SERVE_CONFIG
from textml import serve_config
from textml.k8s.check import check_file
from textml.k8s.crd import RayServiceCrd
from textml.k8s.kinds import cluster_spec
from textml.k8s.profile import load_profile
from textml.k8s.render import render


@pytest.fixture(scope="module", params=list(SCHEMAS.values()), ids=list(SCHEMAS))
def crd(request) -> RayServiceCrd | None:
    """KubeRay's CRD where it is, and None: the checks without the schema."""
    return kuberay_crd(request.param)


@pytest.fixture(scope="module")
def crd_schema() -> RayServiceCrd:
    """KubeRay's CRD, for the checks of its schema alone."""
    if not CRD.is_file():
        pytest.skip(NO_CRD)
    return kuberay_crd(CRD)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_committed_manifest_is_its_render(profile):
    rendered = render(serve_config.load(SERVE_CONFIG), load_profile(profile), source="deploy/serve_config.yaml")
    assert (KUBERNETES / profile.name).read_text() == rendered, "run `make manifests` and commit the result"


def test_versions_agree():
    pinned = re.search(r'"ray\[[\w,]*serve[\w,]*\]==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    docker_ray = re.search(r"ARG RAY_VERSION=([\d.]+)", (ROOT / "Dockerfile").read_text()).group(1)
    assert pinned == docker_ray == ray.__version__
    for manifest in MANIFESTS + JOB_MANIFESTS:
        [service] = [d for d in yaml.safe_load_all(manifest.read_text()) if d and d["kind"] in ("RayService", "RayJob")]
        cluster = cluster_spec(service)
        assert cluster["rayVersion"] == pinned
        images = {
            c["image"]
            for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
            for c in group["template"]["spec"]["containers"]
        }
        assert all(image.endswith(f"-ray{pinned}") for image in images), images


def test_production_options():
    documents = list(yaml.safe_load_all((KUBERNETES / "production.yaml").read_text()))
    kinds = [d["kind"] for d in documents]
    # No Secret: the Redis password and the API keys are created beforehand, never committed (docs/operations.md).
    assert kinds == ["Deployment", "Service", "NetworkPolicy", "NetworkPolicy", "RayService"]
    service = documents[-1]
    spec, cluster = service["spec"], service["spec"]["rayClusterConfig"]
    assert spec["upgradeStrategy"] == {"type": "NewCluster"}
    assert spec["excludeHeadPodFromServeSvc"] is True
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    assert cluster["enableInTreeAutoscaling"] is True
    assert cluster["gcsFaultToleranceOptions"]["redisAddress"] == "textml-redis:6379"
    assert "ray.io/initializing-timeout" in service["metadata"]["annotations"]
    config = yaml.safe_load(spec["serveConfigV2"])
    for name in ("Translator", "Summarizer"):
        entry = serve_config.deployment(config, "text_ml_app", name)
        assert entry["autoscaling_config"]["min_replicas"] >= 2 and entry["max_replicas_per_node"] == 1
    for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
        [container] = group["template"]["spec"]["containers"]
        assert container["resources"]["limits"] and container["resources"]["requests"]


def _containers(documents: list[dict]):
    """(where, container) for every container the manifest defines, and the autoscaler KubeRay adds from
    autoscalerOptions; a RayJob's submitter too."""
    for document in documents:
        if document["kind"] == "Deployment":
            for container in document["spec"]["template"]["spec"]["containers"]:
                yield f"{document['metadata']['name']}/{container['name']}", container
        if document["kind"] == "RayJob":
            for container in document["spec"]["submitterPodTemplate"]["spec"]["containers"]:
                yield container["name"], container
        if document["kind"] in ("RayService", "RayJob"):
            cluster = cluster_spec(document)
            for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
                for container in group["template"]["spec"]["containers"]:
                    yield container["name"], container
            if cluster.get("enableInTreeAutoscaling"):
                yield "autoscaler", cluster["autoscalerOptions"]


@pytest.mark.parametrize("manifest", MANIFESTS + JOB_MANIFESTS, ids=lambda p: p.stem)
def test_every_container_runs_restricted_with_limits(manifest):
    """The Pod Security Standards' restricted profile, and requests and limits, for every container."""
    documents = [d for d in yaml.safe_load_all(manifest.read_text()) if d]
    for where, container in _containers(documents):
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] > 0, where
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["capabilities"] == {"drop": ["ALL"]}, where
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, where
        for kind in ("requests", "limits"):
            assert set(container["resources"][kind]) >= {"cpu", "memory"}, (where, kind)


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.stem)
def test_committed_manifest_passes_check(crd, manifest):
    assert check_file(manifest, crd) == []


def _grpc_on(service):
    def edit(config):
        config["grpc_options"] = {"port": 9000, "grpc_servicer_functions": ["textml.fruit:app"]}

    return edit_serve_config(service, edit)


SCHEMA_MISTAKES = {
    # rule: (how to break the quickstart manifest, field named, words in the finding)
    "crd-type": (
        set_path("spec.rayClusterConfig.workerGroupSpecs.0.minReplicas", "one"),
        "spec.rayClusterConfig.workerGroupSpecs[0].minReplicas",
        "is not of type 'integer'",
    ),
    "crd-unknown-field": (set_path("spec.serveConfigv2", "x"), "spec", "'serveConfigv2' was unexpected"),
}
BROKEN = {
    # rule: (how to break the quickstart manifest, field named, words in the finding), with no need of the CRD
    "serve-schema": (
        apps(lambda apps: apps[0]["deployments"][0].update(num_replicas=-1)),
        "spec.serveConfigV2.applications[0].deployments[0].num_replicas",
        "greater than 0",
    ),
    "ray-version": (
        set_path("spec.rayClusterConfig.rayVersion", "2.9.0"),
        "spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].image",
        "rayVersion is 2.9.0",
    ),
    "local-working-dir": (
        apps(lambda apps: apps[0].update(runtime_env={"working_dir": "./src"})),
        "spec.serveConfigV2.applications[0].runtime_env.working_dir",
        "local path",
    ),
    "duplicate-name": (
        apps(lambda apps: apps[1].update(name=apps[0]["name"])),
        "spec.serveConfigV2.applications[1].name",
        "used twice",
    ),
    "duplicate-route": (
        apps(lambda apps: apps[1].update(route_prefix=apps[0]["route_prefix"])),
        "spec.serveConfigV2.applications[1].route_prefix",
        "used twice",
    ),
    "import-path": (
        apps(lambda apps: apps[0].update(import_path="textml.fruits:deployment_graph")),
        "spec.serveConfigV2.applications[0].import_path",
        "doesn't import",
    ),
    "deployment-name": (
        apps(lambda apps: apps[0]["deployments"][0].update(name="MangoStan")),
        "spec.serveConfigV2.applications[0].deployments[0].name",
        "no deployment 'MangoStan'",
    ),
    "dashboard-port": (
        lambda s: head(s).update(ports=[p for p in head(s)["ports"] if p["containerPort"] != 8265]),
        "spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].ports",
        "8265",
    ),
    "serve-port": (
        lambda s: worker(s).update(ports=[]),
        "spec.rayClusterConfig.workerGroupSpecs[0].template.spec.containers[0].ports",
        "8000",
    ),
    "grpc-port": (_grpc_on, "spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].ports", "9000"),
    # KubeRay's serve service keeps only ports named serve or serve-*: a port named "grpc" never reaches it.
    "grpc-port-name": (
        lambda s: _grpc_on(head(s).update(ports=[*head(s)["ports"], {"name": "grpc", "containerPort": 9000}]) or s),
        "spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].ports",
        "named 'grpc'",
    ),
    "service-threshold": (
        set_path("spec.serviceUnhealthySecondThreshold", 900),
        "spec.serviceUnhealthySecondThreshold",
        "deprecated",
    ),
    "deployment-threshold": (
        set_path("spec.deploymentUnhealthySecondThreshold", 300),
        "spec.deploymentUnhealthySecondThreshold",
        "deprecated",
    ),
}


def _assert_named(mistake: tuple, crd: RayServiceCrd | None, tmp_path: Path):
    breaks, field, words = mistake
    manifest = tmp_path / "broken.yaml"
    service = copy.deepcopy(quickstart())
    breaks(service)  # in place
    manifest.write_text(yaml.safe_dump(service))
    errors = [f for f in check_file(manifest, crd) if f.severity == "error"]
    assert any(f.field.startswith(field) and words in f"{f.problem} {f.fix}" for f in errors), errors
    assert all(f.fix for f in errors)


@pytest.mark.parametrize("rule", BROKEN)
def test_check_names_each_mistake(crd, tmp_path, rule):
    _assert_named(BROKEN[rule], crd, tmp_path)


@pytest.mark.parametrize("rule", SCHEMA_MISTAKES)
def test_check_names_each_schema_mistake(crd_schema, tmp_path, rule):
    _assert_named(SCHEMA_MISTAKES[rule], crd_schema, tmp_path)


def test_check_command_exits_non_zero_on_errors(tmp_path):
    """With KubeRay's CRD where it is; without it, with no kubectl on PATH (never the user's cluster)."""
    crd = ["--crd", str(CRD)] if CRD.is_file() else []
    env = {"PATH": str(tmp_path)}
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(yaml.safe_dump(set_path("spec.rayClusterConfig.rayVersion", "2.9.0")(quickstart())))
    result = run("textml", "k8s", "check", *crd, str(manifest), check=False, env=env)
    assert result.returncode == 1
    assert "rayVersion is 2.9.0" in result.stdout
    ok = run("textml", "k8s", "check", *crd, *map(str, MANIFESTS), env=env)
    assert ok.stdout.count(": ok") == len(MANIFESTS)


def test_grpc_port_rendered_when_grpc_is_on(crd, tmp_path):
    config = serve_config.load(SERVE_CONFIG)
    # Only the port plumbing is under test here; rendering and the check do not import the servicer.
    config["grpc_options"] = {"port": 9000, "grpc_servicer_functions": ["textml.fruit:app"]}
    manifest = tmp_path / "grpc.yaml"
    manifest.write_text(render(config, load_profile(PROFILES[0]), source="test"))
    [service] = [d for d in yaml.safe_load_all(manifest.read_text()) if d and d["kind"] == "RayService"]
    assert {p["port"] for p in service["spec"]["serveService"]["spec"]["ports"]} == {8000, 9000}
    assert 9000 in {p["containerPort"] for p in head(service)["ports"]}
    assert 9000 in {p["containerPort"] for p in worker(service)["ports"]}
    assert [f for f in check_file(manifest, crd) if f.severity == "error"] == []


def test_check_refuses_a_bad_model_user_config(crd, tmp_path):
    [service] = [d for d in yaml.safe_load_all((KUBERNETES / "text-ml.yaml").read_text()) if d]

    def edit(config):
        serve_config.deployment(config, "text_ml_app", "Translator")["user_config"]["language"] = "xx"
        serve_config.deployment(config, "text_ml_app", "Summarizer")["user_config"]["max_lenght"] = 20

    edit_serve_config(service, edit)
    manifest = tmp_path / "bad-user-config.yaml"
    manifest.write_text(yaml.safe_dump(service))
    fields = {f.field: f.problem for f in check_file(manifest, crd) if f.severity == "error"}
    app = "spec.serveConfigV2.applications[0]"
    names = [d["name"] for d in yaml.safe_load(service["spec"]["serveConfigV2"])["applications"][0]["deployments"]]
    translator, summarizer = names.index("Translator"), names.index("Summarizer")
    assert "unknown language 'xx'" in fields[f"{app}.deployments[{translator}].user_config.language"]
    assert "Extra inputs are not permitted" in fields[f"{app}.deployments[{summarizer}].user_config.max_lenght"]
