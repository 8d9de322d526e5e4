"""Where `textml k8s check` gets the RayService CRD: --crd's file, else the cluster kubectl points at (a fake
`kubectl` on PATH here, a script printing a CRD), else none, when every check but the schema's still runs."""

import shutil
import stat
from pathlib import Path

import pytest
import yaml

from helpers.manifests import NO_CRD, quickstart, worker
from helpers.paths import CRD, KUBERNETES
from textml.cli.main import main
from textml.k8s import crd_source
from textml.k8s.check import check_file
from textml.k8s.crd import parse_crd
from textml.k8s.crd_source import KUBERAY_CRD_URL, find_crd

# The least of a RayService CRD: enough to be told apart from another document, and to validate against.
SMALL_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "rayservices.ray.io"},
    "spec": {
        "group": "ray.io",
        "names": {"kind": "RayService", "plural": "rayservices"},
        "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object"}}}],
    },
}


def _on_path(monkeypatch, folder: Path, kubectl: str | None = None):
    """PATH is `folder` alone, holding a `kubectl` shell script with this body when given."""
    if kubectl is not None:
        script = folder / "kubectl"
        script.write_text(f"#!/bin/sh\n{kubectl}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))


def _cluster_with(tmp_path: Path, crd_text: str) -> str:
    """A kubectl whose context is kind-textml and whose cluster holds this CRD."""
    (tmp_path / "crd.yaml").write_text(crd_text)
    cat = f"{shutil.which('cat')} {tmp_path / 'crd.yaml'}"
    return f'case "$1" in\n  config) echo kind-textml ;;\n  get) exec {cat} ;;\nesac'


def test_crd_file_is_used_and_named():
    if not CRD.is_file():
        pytest.skip(NO_CRD)
    crd, said = find_crd(str(CRD))
    assert said == f"schema: {CRD}" and crd.schema("v1")["type"] == "object"


def test_a_missing_crd_file_is_one_line_naming_it_and_where_to_get_one(tmp_path):
    with pytest.raises(ValueError) as error:
        find_crd(str(tmp_path / "ray.io_rayservices.yaml"))
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"no CRD at {tmp_path / 'ray.io_rayservices.yaml'}: ")
    assert KUBERAY_CRD_URL in message and "helm-chart/kuberay-operator/crds/" in message


def test_the_clusters_crd_when_kubectl_is_on_path(tmp_path, monkeypatch):
    _on_path(monkeypatch, tmp_path, _cluster_with(tmp_path, yaml.safe_dump(SMALL_CRD)))
    crd, said = find_crd(None)
    assert said == "schema: the cluster's rayservices.ray.io (kubectl context kind-textml)"
    assert crd.schema("v1") == {"type": "object"}


def test_no_kubectl_skips_the_schema_check_saying_where_to_get_the_crd(tmp_path, monkeypatch):
    _on_path(monkeypatch, tmp_path)
    crd, said = find_crd(None)
    assert crd is None and "\n" not in said
    assert said.startswith("skipped: the CRD schema check (no CRD: no --crd, and no kubectl on PATH")
    assert KUBERAY_CRD_URL in said and "helm-chart/kuberay-operator/crds/" in said


def test_a_cluster_without_kuberay_says_kubectls_last_line(tmp_path, monkeypatch):
    _on_path(
        monkeypatch,
        tmp_path,
        'case "$1" in\n  config) echo prod ;;\n  get) echo "E0101 retrying" >&2; echo \'Error from server (NotFound):'
        ' customresourcedefinitions.apiextensions.k8s.io "rayservices.ray.io" not found\' >&2; exit 1 ;;\nesac',
    )
    crd, said = find_crd(None)
    assert crd is None
    assert said.startswith(
        "skipped: the CRD schema check (no CRD: `kubectl get crd rayservices.ray.io` (kubectl context prod) failed: "
        "Error from server (NotFound)"
    )


def test_a_cluster_that_doesnt_answer_is_given_up_on(tmp_path, monkeypatch):
    monkeypatch.setattr(crd_source, "KUBECTL_TIMEOUT_S", 1)
    _on_path(monkeypatch, tmp_path, f'[ "$1" = config ] && exit 1\nexec {shutil.which("sleep")} 30')
    crd, said = find_crd(None)
    assert crd is None and "(no kubectl context set) got no answer in 1 s" in said


def test_what_isnt_the_rayservice_crd_is_refused_in_one_line():
    with pytest.raises(ValueError, match="^pod.yaml is not the RayService CRD"):
        parse_crd(yaml.safe_dump({"kind": "Pod", "spec": {}}), "pod.yaml")
    with pytest.raises(ValueError, match="^notes.txt is not YAML: ") as error:
        parse_crd("a: b: c", "notes.txt")
    assert "\n" not in str(error.value)


def test_check_without_a_crd_runs_every_other_check_and_passes_on_them(tmp_path, monkeypatch, capsys):
    _on_path(monkeypatch, tmp_path)
    assert main(["k8s", "check", str(KUBERNETES / "quickstart.yaml")]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.startswith("skipped: the CRD schema check (no CRD: ")
    assert rest == [f"{KUBERNETES / 'quickstart.yaml'}: ok"]
    broken = quickstart()
    broken["spec"]["rayClusterConfig"]["rayVersion"] = "2.9.0"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    assert main(["k8s", "check", str(tmp_path / "broken.yaml")]) == 1
    assert "rayVersion is 2.9.0" in capsys.readouterr().out


def test_check_with_the_clusters_crd_validates_against_it(tmp_path, monkeypatch, capsys):
    """The cluster's schema is the one checked: here one that refuses every RayService with a spec."""
    refusing = {**SMALL_CRD, "spec": {**SMALL_CRD["spec"]}}
    refusing["spec"]["versions"] = [
        {"name": "v1", "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "string"}}}}}
    ]
    _on_path(monkeypatch, tmp_path, _cluster_with(tmp_path, yaml.safe_dump(refusing)))
    assert main(["k8s", "check", str(KUBERNETES / "quickstart.yaml")]) == 1
    first, *rest = capsys.readouterr().out.splitlines()
    assert first == "schema: the cluster's rayservices.ray.io (kubectl context kind-textml)"
    assert any("error: spec: " in line and "is not of type 'string'" in line for line in rest), rest


def test_pods_that_cant_be_sized_are_named_without_the_schema(tmp_path):
    """Without the CRD nothing has checked the pods' quantities: one that isn't is an error, not a crash."""
    service = quickstart()
    worker(service)["resources"]["limits"]["cpu"] = "two"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(service))
    errors = [f for f in check_file(tmp_path / "broken.yaml", None) if f.severity == "error"]
    assert [(f.field, f.problem) for f in errors] == [
        ("spec.rayClusterConfig", "can't size its pods: 'two' is not a Kubernetes quantity")
    ]
