"""The RayJob of `textml batch` (deploy/kubernetes/batch-job.yaml): rendered from its profile and the Serve config,
valid against KubeRay v1.7.0's RayJob CRD, and checked as `textml k8s check` checks it: each rule fires on the
committed RayJob broken for it, naming the field and a fix; the profile refuses what it can't render, naming it."""

import copy
import shutil
import stat
from pathlib import Path
from typing import Callable, NamedTuple

import jsonschema
import pydantic
import pytest
import yaml

from helpers.manifests import JOB_SCHEMAS, NO_CRD, NO_RAYJOB_CRD, batch_job, set_path
from helpers.paths import (
    ALL_PROFILES,
    CRD,
    JOB_MANIFESTS,
    JOB_PROFILES,
    KUBERNETES,
    MANIFESTS,
    RAYJOB_CRD,
    ROOT,
    SERVE_CONFIG,
)
from textml import serve_config
from textml.cli.main import main
from textml.k8s.check import check_file, strict_schema
from textml.k8s.crd import read_crd
from textml.k8s.crd_source import find_crds
from textml.k8s.plan import plan_files
from textml.k8s.profile import Job, Profile, load_profile
from textml.k8s.rayjob import CONFIG_DIR, CONFIG_PATH, RAY_JOB_POD_LABEL
from textml.k8s.render import render

BATCH_JOB = KUBERNETES / "batch-job.yaml"
CONFIG_MAP = "ConfigMap/textml-batch-serve-config.data.serve_config.yaml"


@pytest.fixture(scope="module", params=list(JOB_SCHEMAS.values()), ids=list(JOB_SCHEMAS))
def crds(request) -> dict | None:
    """KubeRay's RayService and RayJob CRDs where they are, and None: the checks without the schemas."""
    return {path.name: read_crd(str(path)) for path in request.param} if request.param else None


@pytest.fixture(scope="module")
def rayjob_crds() -> dict:
    """Both CRDs, for the checks of the RayJob CRD's schema alone."""
    for path, missing in ((CRD, NO_CRD), (RAYJOB_CRD, NO_RAYJOB_CRD)):
        if not path.is_file():
            pytest.skip(missing)
    return {path.name: read_crd(str(path)) for path in (CRD, RAYJOB_CRD)}


def _job(documents: list[dict]) -> dict:
    [job] = [d for d in documents if d["kind"] == "RayJob"]
    return job


def _profile(**job_changes) -> dict:
    """The batch-job profile as a dict, its job: section changed (a value None removes the field)."""
    profile = yaml.safe_load((KUBERNETES / "profiles" / "batch-job.yaml").read_text())
    profile["job"] = {k: v for k, v in {**profile["job"], **job_changes}.items() if v is not None}
    return profile


def _rendered(profile: dict) -> list[dict]:
    text = render(serve_config.load(SERVE_CONFIG), Profile.model_validate(profile), source="test")
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.mark.parametrize("profile", JOB_PROFILES, ids=lambda p: p.stem)
def test_committed_rayjob_is_its_render(profile):
    rendered = render(serve_config.load(SERVE_CONFIG), load_profile(profile), source="deploy/serve_config.yaml")
    assert (KUBERNETES / profile.name).read_text() == rendered, "run `make manifests` and commit the result"


def test_render_without_arguments_renders_every_profile_the_rayjob_too(tmp_path, monkeypatch, capsys):
    """What `make manifests` runs: every committed manifest, RayServices and the RayJob, as committed."""
    monkeypatch.chdir(ROOT)
    assert main(["k8s", "render", "--out-dir", str(tmp_path)]) == 0
    assert BATCH_JOB in JOB_MANIFESTS and sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in ALL_PROFILES]
    for profile in ALL_PROFILES:
        assert (tmp_path / profile.name).read_text() == (KUBERNETES / profile.name).read_text(), profile.name


def test_the_rayjob_validates_against_kuberays_rayjob_crd():
    """As `kubectl apply` would: KubeRay v1.7.0's schema, with the fields it doesn't define refused."""
    if not RAYJOB_CRD.is_file():
        pytest.skip(NO_RAYJOB_CRD)
    validator = jsonschema.Draft7Validator(strict_schema(read_crd(str(RAYJOB_CRD)).schema("v1")))
    assert [error.message for error in validator.iter_errors(_job(batch_job()))] == []


def test_the_committed_rayjob_passes_check(crds):
    assert check_file(BATCH_JOB, crds) == []


def test_the_rayjob_runs_textml_batch_once_and_goes():
    """The entrypoint `textml batch` gets, and the lifetime: one try, a deadline, the cluster deleted an hour after."""
    config_map, job = batch_job()
    spec = job["spec"]
    assert spec["entrypoint"] == (
        "textml batch translate /data/input/articles.jsonl /data/output/articles-french --language french "
        "--config /etc/textml/config/serve_config.yaml"
    )
    assert spec["submissionMode"] == "K8sJobMode" and spec["shutdownAfterJobFinishes"] is True
    assert (spec["ttlSecondsAfterFinished"], spec["activeDeadlineSeconds"], spec["backoffLimit"]) == (3600, 21600, 2)
    cluster = spec["rayClusterSpec"]
    assert cluster["authOptions"] == {"mode": "token"}
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    assert cluster["workerGroupSpecs"][0]["replicas"] == 2
    pods = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"], spec["submitterPodTemplate"]]
    assert all(p["template" if "template" in p else "metadata"] for p in pods)
    labels = [(p.get("template") or p)["metadata"]["labels"] for p in pods]
    assert labels == [{RAY_JOB_POD_LABEL: "textml-batch"}] * 3


def test_the_serve_config_reaches_the_head_from_deploy_serve_config():
    """The ConfigMap holds text_ml_app exactly as deploy/serve_config.yaml defines it, mounted where --config points;
    the data claim is mounted in the head and every worker."""
    config_map, job = batch_job()
    committed = serve_config.application(serve_config.load(SERVE_CONFIG), "text_ml_app")
    assert yaml.safe_load(config_map["data"]["serve_config.yaml"]) == {"applications": [committed]}
    head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    [worker] = [g["template"]["spec"] for g in job["spec"]["rayClusterSpec"]["workerGroupSpecs"]]
    assert {"name": "serve-config", "mountPath": CONFIG_DIR, "readOnly": True} in head["containers"][0]["volumeMounts"]
    assert {"name": "serve-config", "configMap": {"name": config_map["metadata"]["name"]}} in head["volumes"]
    assert CONFIG_PATH == f"{CONFIG_DIR}/serve_config.yaml"
    for pod in (head, worker):
        assert {"name": "data", "mountPath": "/data"} in pod["containers"][0]["volumeMounts"]
        assert {"name": "data", "persistentVolumeClaim": {"claimName": "textml-batch-data"}} in pod["volumes"]
        # the image's user writes OUTPUT: its group owns the volume where the driver applies fsGroup
        assert pod["securityContext"] == {"fsGroup": 100, "fsGroupChangePolicy": "OnRootMismatch"}


def test_object_store_uris_need_no_volume_and_take_credentials_from_a_secret(crds, tmp_path):
    profile = _profile(
        task="summarize",
        language=None,
        input="s3://corpus/articles/",
        output="s3://corpus/summaries/",
        volume=None,
        env_secret="textml-batch-s3",
        options=["--model", "t5-small"],
    )
    documents = _rendered(profile)
    job = _job(documents)
    assert job["spec"]["entrypoint"] == (
        f"textml batch summarize s3://corpus/articles/ s3://corpus/summaries/ --config {CONFIG_PATH} --model t5-small"
    )
    cluster = job["spec"]["rayClusterSpec"]
    for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
        [container] = group["template"]["spec"]["containers"]
        assert container["envFrom"] == [{"secretRef": {"name": "textml-batch-s3"}}]
        assert "data" not in {m["name"] for m in container.get("volumeMounts", [])}
        assert "securityContext" not in group["template"]["spec"]
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump_all(documents))
    assert check_file(tmp_path / "s3.yaml", crds) == []


PROFILE_MISTAKES = {
    # what: (the profile's job: changed, or the whole profile changed, words naming the problem)
    "typo-in-job": (_profile(langauge="german"), "job.langauge"),
    "typo-at-top": ({**_profile(), "worker": {}}, "worker"),
    "unknown-task": (_profile(task="classify"), "job.task"),
    "translate-without-language": (_profile(language=None), "job.language is required"),
    "summarize-with-language": (_profile(task="summarize"), "summarize takes neither"),
    "path-without-volume": (_profile(volume=None), "name the volume it is on"),
    "path-outside-the-volume": (_profile(output="/tmp/out"), "not under the volume's mount_path /data"),
    "relative-path": (_profile(input="input/articles.jsonl"), "give an absolute path"),
    "same-input-and-output": (_profile(output="/data/input/articles.jsonl"), "the same"),
    "unsafe-word": (_profile(options=["--model", "my model"]), "read differently in the two shells"),
    "rendered-option": (_profile(options=["--config=/x.yaml"]), "the renderer sets --config"),
    "negative-ttl": (_profile(ttl_seconds_after_finished=-1), "job.ttl_seconds_after_finished"),
    "rayservice-settings": ({**_profile(), "redis": True, "api_keys": {}}, "redis, api_keys: RayService settings"),
    "head-serves": ({**_profile(), "head": {**_profile()["head"], "serves": False}}, "head.serves"),
    "job-without-kind": ({**_profile(), "kind": "RayService"}, "add kind: RayJob"),
    "kind-without-job": ({k: v for k, v in _profile().items() if k != "job"}, "needs a job: section"),
}


@pytest.mark.parametrize("mistake", PROFILE_MISTAKES)
def test_the_profile_refuses_what_it_cant_render_naming_it(mistake):
    profile, words = PROFILE_MISTAKES[mistake]
    with pytest.raises(pydantic.ValidationError) as error:
        Profile.model_validate(profile)
    assert words in str(error.value)


def test_a_profile_without_text_ml_app_is_refused_at_render():
    with pytest.raises(ValueError, match="text_ml_app"):
        _rendered({**_profile(), "applications": ["fruit_app"]})


def _spec(path: str, value):
    return set_path(f"spec.{path}", value)


def _cluster(path: str, value):
    return _spec(f"rayClusterSpec.{path}", value)


def _without(path: str):
    """An edit removing `path` ("spec.activeDeadlineSeconds") from the RayJob."""

    def edit(job):
        *parents, last = path.split(".")
        target = job
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return edit


def _entrypoint(old: str, new: str):
    return lambda job: job["spec"].update(entrypoint=job["spec"]["entrypoint"].replace(old, new))


def _containers(job) -> list[dict]:
    cluster = job["spec"]["rayClusterSpec"]
    return [g["template"]["spec"]["containers"][0] for g in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]]


def _volumes(job) -> list[list[dict]]:
    cluster = job["spec"]["rayClusterSpec"]
    return [g["template"]["spec"]["volumes"] for g in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]]


def _data_on(kind: str, value: dict):
    """Every pod's data volume is a `kind` volume instead of the claim."""

    def edit(job):
        for volumes in _volumes(job):
            [data] = [v for v in volumes if v["name"] == "data"]
            data.pop("persistentVolumeClaim")
            data[kind] = value

    return edit


def _config(edit):
    """An edit of the Serve config in the ConfigMap (`edit` takes the parsed config), and the RayJob untouched."""

    def breaks(job, config_map):
        config = yaml.safe_load(config_map["data"]["serve_config.yaml"])
        edit(config)
        config_map["data"]["serve_config.yaml"] = yaml.safe_dump(config)

    breaks.config_map = True
    return breaks


def _pvc(*modes: str):
    claim = {"accessModes": list(modes), "resources": {"requests": {"storage": "10Gi"}}}
    spec = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "textml-batch-data"}}
    return lambda job: [{**spec, "spec": claim}]


class Rule(NamedTuple):
    breaks: Callable  # edits the committed RayJob in place; a list it returns is written beside it
    severity: str
    field: str  # the finding's field starts with this
    words: str  # in its problem or fix


HEAD = "spec.rayClusterSpec.headGroupSpec.template.spec.containers[0]"
WORKER = "spec.rayClusterSpec.workerGroupSpecs[0].template.spec.containers[0]"
RULES = {
    # textml's: the entrypoint, what it names, the job's lifetime, the pods
    "missing-entrypoint": Rule(_without("spec.entrypoint"), "error", "spec.entrypoint", "missing"),
    "batch-arguments": Rule(
        _entrypoint(" /data/output/articles-french", ""), "error", "spec.entrypoint", "TASK INPUT OUTPUT"
    ),
    "translate-language": Rule(_entrypoint("--language french ", ""), "error", "spec.entrypoint", "--language"),
    "no-config": Rule(_entrypoint(f" --config {CONFIG_PATH}", ""), "error", "spec.entrypoint", "names no --config"),
    "relative-config": Rule(
        _entrypoint(CONFIG_PATH, "deploy/serve_config.yaml"), "warning", "spec.entrypoint", "relative"
    ),
    "config-not-mounted": Rule(
        _entrypoint(CONFIG_DIR, "/etc/other"), "error", f"{HEAD}.volumeMounts", "no volume is mounted there in the head"
    ),
    # With entrypoint resources Ray may start the driver on any pod: the config must be on every one.
    "config-where-the-driver-may-run": Rule(
        _spec("entrypointNumCpus", 1), "error", f"{WORKER}.volumeMounts", "where the driver may run"
    ),
    "config-map-key": Rule(
        _entrypoint("serve_config.yaml", "serve-config.yaml"),
        "error",
        "ConfigMap/textml-batch-serve-config.data",
        "has no 'serve-config.yaml'",
    ),  # fmt: skip
    "config-user-config": Rule(
        _config(lambda c: c["applications"][0]["deployments"][0]["user_config"].update(language="xx")),
        "error",
        f"{CONFIG_MAP}.applications[0].deployments[0].user_config.language",
        "unknown language 'xx'",
    ),
    "config-without-text-ml": Rule(
        _config(lambda c: c["applications"][0].update(import_path="textml.fruit:deployment_graph", deployments=[])),
        "error",
        f"{CONFIG_MAP}.applications",
        "textml.text_ml:app",
    ),
    "input-not-on-workers": Rule(
        lambda job: _containers(job)[1].pop("volumeMounts"),
        "error",
        f"{WORKER}.volumeMounts",
        "INPUT /data/input/articles.jsonl: no volume is mounted there in worker group 'cpu'",
    ),  # fmt: skip
    "relative-input": Rule(
        _entrypoint("/data/input/articles.jsonl", "input.jsonl"), "error", "spec.entrypoint", "INPUT input.jsonl"
    ),
    "output-on-empty-dir": Rule(_data_on("emptyDir", {}), "error", f"{HEAD}.volumeMounts", "emptyDir"),
    "output-read-only": Rule(
        lambda job: _containers(job)[1]["volumeMounts"][0].update(readOnly=True),
        "error",
        f"{WORKER}.volumeMounts",
        "OUTPUT /data/output/articles-french is on a read-only mount",
    ),
    "claim-read-write-once": Rule(
        _pvc("ReadWriteOnce"), "warning", "PersistentVolumeClaim/textml-batch-data.spec.accessModes", "Multi-Attach"
    ),
    "cluster-kept": Rule(
        lambda job: job["spec"].update(shutdownAfterJobFinishes=False, ttlSecondsAfterFinished=0),
        "warning",
        "spec.shutdownAfterJobFinishes",
        "keep running",
    ),
    "no-ttl": Rule(_without("spec.ttlSecondsAfterFinished"), "warning", "spec.ttlSecondsAfterFinished", "is 0"),
    "no-deadline": Rule(
        _without("spec.activeDeadlineSeconds"), "warning", "spec.activeDeadlineSeconds", "holds its cluster forever"
    ),
    "no-cpu": Rule(
        lambda job: job["spec"]["rayClusterSpec"]["workerGroupSpecs"][0].update(replicas=0, minReplicas=0),
        "error",
        "spec.rayClusterSpec.workerGroupSpecs",
        "no pod offers Ray a CPU",
    ),
    # KubeRay's validation (ValidateRayJobSpec, ValidateRayJobMetadata, ValidateRayClusterSpec)
    "ttl-without-shutdown": Rule(
        _spec("shutdownAfterJobFinishes", False), "error", "spec.ttlSecondsAfterFinished", "refuses a TTL"
    ),
    "deadline-zero": Rule(_spec("activeDeadlineSeconds", 0), "error", "spec.activeDeadlineSeconds", "positive"),
    "negative-backoff": Rule(_spec("backoffLimit", -1), "error", "spec.backoffLimit", "negative"),
    "no-cluster": Rule(_without("spec.rayClusterSpec"), "error", "spec.rayClusterSpec", "missing"),
    "submission-mode": Rule(_spec("submissionMode", "K8sJob"), "error", "spec.submissionMode", "K8sJobMode"),
    "interactive-retries": Rule(
        lambda job: job["spec"].update(submissionMode="InteractiveMode", backoffLimit=1),
        "error",
        "spec.backoffLimit",
        "InteractiveMode",
    ),
    "suspend-without-shutdown": Rule(
        lambda job: job["spec"].update(suspend=True, shutdownAfterJobFinishes=False, ttlSecondsAfterFinished=0),
        "error",
        "spec.suspend",
        "shutdownAfterJobFinishes",
    ),
    "runtime-env-yaml": Rule(_spec("runtimeEnvYAML", "pip: [a"), "error", "spec.runtimeEnvYAML", "not YAML"),
    "long-name": Rule(set_path("metadata.name", "t" * 48), "error", "metadata.name", "RayJob names over 47"),
    "k8s-token-auth": Rule(
        _cluster("authOptions", {"mode": "token", "enableK8sTokenAuth": True}),
        "error",
        "spec.rayClusterSpec.authOptions.enableK8sTokenAuth",
        "on a RayJob",
    ),
    "replicas-bounds": Rule(
        _cluster("workerGroupSpecs.0.minReplicas", 3),
        "error",
        "spec.rayClusterSpec.workerGroupSpecs[0].minReplicas",
        "above maxReplicas",
    ),  # fmt: skip
    # The cluster rules a RayService's cluster has: the images' Ray, Ray's token auth, exposure
    "ray-version": Rule(_cluster("rayVersion", "2.9.0"), "error", f"{HEAD}.image", "rayVersion is 2.9.0"),
    "token-auth-off": Rule(
        _cluster("authOptions", {"mode": "disabled"}), "warning", "spec.rayClusterSpec.authOptions", "token auth is off"
    ),
    "head-outside": Rule(
        _cluster("headGroupSpec.serviceType", "LoadBalancer"),
        "warning",
        "spec.rayClusterSpec.headGroupSpec.serviceType",
        "LoadBalancer",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_check_names_each_rayjob_mistake(crds, tmp_path, rule):
    breaks, severity, field, words = RULES[rule]
    config_map, job = copy.deepcopy(batch_job())
    beside = breaks(job, config_map) if getattr(breaks, "config_map", False) else breaks(job)
    beside = beside if isinstance(beside, list) else []  # set_path's edits return the RayJob
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump_all([*beside, config_map, job]))
    findings = check_file(tmp_path / "broken.yaml", crds)
    assert any(
        f.severity == severity and f.field.startswith(field) and words in f"{f.problem} {f.fix}" for f in findings
    ), findings
    assert all(f.fix for f in findings)


SCHEMA_MISTAKES = {
    "typo": (_spec("shutdownAfterJobFinish", True), "spec", "'shutdownAfterJobFinish' was unexpected"),
    "type": (
        _cluster("workerGroupSpecs.0.replicas", "2"),
        "spec.rayClusterSpec.workerGroupSpecs[0].replicas",
        "type",
    ),
    "submitter-typo": (
        lambda job: job["spec"]["submitterPodTemplate"]["spec"].update(restartPolicy="Never", containerz=[]),
        "spec.submitterPodTemplate.spec",
        "'containerz' was unexpected",
    ),
}


@pytest.mark.parametrize("mistake", SCHEMA_MISTAKES)
def test_check_names_each_rayjob_schema_mistake(rayjob_crds, tmp_path, mistake):
    breaks, field, words = SCHEMA_MISTAKES[mistake]
    config_map, job = copy.deepcopy(batch_job())
    breaks(job)
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump_all([config_map, job]))
    errors = [f for f in check_file(tmp_path / "broken.yaml", rayjob_crds) if f.severity == "error"]
    assert any(f.field == field and words in f.problem and "kubectl explain rayjob." in f.fix for f in errors), errors


def test_check_with_both_crds_says_ok_for_every_committed_manifest(rayjob_crds, capsys):
    """The command of the task: each manifest against the CRD of its kind."""
    manifests = [str(p) for p in sorted(MANIFESTS + JOB_MANIFESTS)]
    assert main(["k8s", "check", "--crd", str(CRD), "--crd", str(RAYJOB_CRD), *manifests]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"schema: {CRD}",
        f"schema: {RAYJOB_CRD}",
        *(f"{manifest}: ok" for manifest in manifests),
    ]


def test_one_crd_checks_its_kind_and_says_the_others_schema_is_skipped(rayjob_crds, capsys):
    assert main(["k8s", "check", "--crd", str(CRD), str(BATCH_JOB)]) == 0
    said, ok = capsys.readouterr().out.splitlines()
    assert said.startswith("skipped: the RayJob CRD schema check (no CRD: no --crd FILE defines RayJob; ")
    assert "ray.io_rayjobs.yaml" in said and ok == f"{BATCH_JOB}: ok"
    assert main(["k8s", "check", "--crd", str(RAYJOB_CRD), str(KUBERNETES / "quickstart.yaml")]) == 0
    said = capsys.readouterr().out.splitlines()[0]
    assert said.startswith("skipped: the CRD schema check (no CRD: no --crd FILE defines RayService; ")


def test_two_crds_of_one_kind_are_refused_in_one_line(rayjob_crds, capsys):
    assert main(["k8s", "check", "--crd", str(CRD), "--crd", str(CRD), str(BATCH_JOB)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "both define RayService: give one of each" in error


def _small_crd(kind: str, schema: dict) -> str:
    plural = f"{kind.lower()}s"
    return yaml.safe_dump(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.ray.io"},
            "spec": {"names": {"kind": kind}, "versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema}}]},
        }
    )


def _cluster_kubectl(folder: Path, monkeypatch):
    """A `kubectl`, alone on PATH, whose context is kind-textml and whose cluster holds a RayService CRD that takes
    anything and a RayJob CRD that refuses every RayJob with a spec."""
    (folder / "rayservices.yaml").write_text(_small_crd("RayService", {"type": "object"}))
    refusing = {"type": "object", "properties": {"spec": {"type": "string"}}}
    (folder / "rayjobs.yaml").write_text(_small_crd("RayJob", refusing))
    cat = shutil.which("cat")
    script = folder / "kubectl"
    script.write_text(
        '#!/bin/sh\ncase "$1" in\n  config) echo kind-textml ;;\n'
        f'  get) case "$3" in rayjobs.ray.io) exec {cat} {folder}/rayjobs.yaml ;;'
        f" *) exec {cat} {folder}/rayservices.yaml ;; esac ;;\nesac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))


def test_the_clusters_crd_of_each_kind_is_asked_for_and_checked_against(tmp_path, monkeypatch, capsys):
    _cluster_kubectl(tmp_path, monkeypatch)
    crds, said = find_crds(None, ["RayService", "RayJob"])
    assert said == [
        "schema: the cluster's rayservices.ray.io (kubectl context kind-textml)",
        "schema: the cluster's rayjobs.ray.io (kubectl context kind-textml)",
    ]
    assert sorted(crds) == ["RayJob", "RayService"]
    assert main(["k8s", "check", str(BATCH_JOB)]) == 1
    first, *rest = capsys.readouterr().out.splitlines()
    assert first == "schema: the cluster's rayjobs.ray.io (kubectl context kind-textml)"
    assert any("error: spec: " in line and "is not of type 'string'" in line for line in rest), rest


def test_plan_says_it_compares_rayservices_only():
    with pytest.raises(ValueError, match="holds a RayJob: `textml k8s plan` compares RayServices only"):
        plan_files(BATCH_JOB, BATCH_JOB)


def test_every_job_field_of_the_profile_is_documented_in_it():
    """Each field of the job: section is in the committed profile (those left out, commented out), a comment above
    each."""
    lines = (KUBERNETES / "profiles" / "batch-job.yaml").read_text().splitlines()
    section = lines[lines.index("job:") + 1 :]
    for index, line in enumerate(section):
        if line.startswith("  ") and line[2] not in " #":
            assert section[index - 1].lstrip().startswith("#"), line
    written = {line.strip().lstrip("# ").split(":")[0] for line in section}
    assert set(Job.model_fields) <= written, set(Job.model_fields) - written
