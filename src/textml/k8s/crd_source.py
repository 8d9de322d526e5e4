"""Where `textml k8s check` gets KubeRay's CRDs, one per kind the manifests hold (RayService, RayJob): the files
--crd names, else the cluster kubectl points at (KubeRay installs rayservices.ray.io and rayjobs.ray.io there), else
none: then every check but the CRD schema's runs."""

import shutil
import subprocess
from pathlib import Path
from typing import Iterable, NamedTuple

from textml.k8s.crd import CLUSTER_NAMES, FILES, KubeRayCrd, parse_crd, read_crd
from textml.k8s.kinds import RAY_JOB, RAY_SERVICE

KUBERAY_CRDS_URL = "https://raw.githubusercontent.com/ray-project/kuberay/v1.7.0/ray-operator/config/crd/bases"
KUBERAY_CRD_URL = f"{KUBERAY_CRDS_URL}/{FILES[RAY_SERVICE]}"
CLUSTER_CRD = CLUSTER_NAMES[RAY_SERVICE]
KUBECTL_TIMEOUT_S = 10


def where_to_get(kind: str = RAY_SERVICE) -> str:
    return (
        f"get KubeRay v1.7.0's {FILES[kind]} from {KUBERAY_CRDS_URL}/{FILES[kind]} "
        "(or its Helm chart's helm-chart/kuberay-operator/crds/)"
    )


WHERE_TO_GET = where_to_get(RAY_SERVICE)


class CrdFound(NamedTuple):
    crd: KubeRayCrd | None  # None: no schema to check against
    said: str  # one line: where the schema came from, or why its check was skipped


class CrdsFound(NamedTuple):
    crds: dict[str, KubeRayCrd]  # by kind; a kind missing here is checked without its schema
    said: list[str]  # a line per kind: where its schema came from, or why its check was skipped


def find_crd(crd_path: str | None, kind: str = RAY_SERVICE) -> CrdFound:
    """--crd's file when given; else the cluster's CRD of `kind`, if kubectl is on PATH and answers; else none."""
    if crd_path:
        return CrdFound(crd_from_file(crd_path), f"schema: {crd_path}")
    if shutil.which("kubectl") is None:
        return no_crd("no --crd, and no kubectl on PATH to ask a cluster", kind)
    return _from_cluster(kubectl_where(), kind)


def find_crds(crd_paths: list[str] | None, kinds: Iterable[str]) -> CrdsFound:
    """The CRD of each of `kinds`: the --crd file defining it, when any --crd is given (a kind none defines is
    checked without its schema); else the cluster's, asked once per kind; else none."""
    kinds = list(kinds)
    if not crd_paths:
        if shutil.which("kubectl") is None:
            found = [no_crd("no --crd, and no kubectl on PATH to ask a cluster", kind) for kind in kinds]
        else:
            where = kubectl_where()
            found = [_from_cluster(where, kind) for kind in kinds]
        return CrdsFound({kind: f.crd for kind, f in zip(kinds, found, strict=True) if f.crd}, [f.said for f in found])
    given: dict[str, tuple[str, KubeRayCrd]] = {}
    for path in crd_paths:
        crd = crd_from_file(path)
        if crd.kind in given:
            raise ValueError(f"--crd {given[crd.kind][0]} and --crd {path} both define {crd.kind}: give one of each")
        given[crd.kind] = (path, crd)
    crds, said = {}, []
    for kind in kinds:
        if kind in given:
            crds[kind] = given[kind][1]
            said.append(f"schema: {given[kind][0]}")
        else:
            said.append(no_crd(f"no --crd FILE defines {kind}", kind).said)
    return CrdsFound(crds, said)


def _from_cluster(where: str, kind: str) -> CrdFound:
    try:
        crd = crd_from_cluster(where, kind)
    except ValueError as error:
        return no_crd(str(error), kind)
    return CrdFound(crd, f"schema: the cluster's {CLUSTER_NAMES[kind]} ({where})")


def no_crd(reason: str, kind: str = RAY_SERVICE) -> CrdFound:
    # The RayService's line as it always read; another kind's names the kind.
    check = "the CRD schema check" if kind == RAY_SERVICE else f"the {kind} CRD schema check"
    return CrdFound(None, f"skipped: {check} (no CRD: {reason}; {where_to_get(kind)}, and pass --crd FILE)")


def crd_from_file(crd_path: str) -> KubeRayCrd:
    if not Path(crd_path).is_file():
        kind = RAY_JOB if "rayjob" in Path(crd_path).name.lower() else RAY_SERVICE
        raise ValueError(f"no CRD at {crd_path}: {where_to_get(kind)}, or leave out --crd to use the cluster's")
    return read_crd(crd_path)


def crd_from_cluster(where: str, kind: str = RAY_SERVICE) -> KubeRayCrd:
    """`kubectl get crd rayservices.ray.io` (or rayjobs.ray.io): the schema the cluster's KubeRay enforces.
    ValueError, in one line, when kubectl can't give it (no cluster, no KubeRay, no answer within
    KUBECTL_TIMEOUT_S)."""
    command = ["kubectl", "get", "crd", CLUSTER_NAMES[kind], "-o", "yaml"]
    asked = f"`{' '.join(command[:4])}` ({where})"
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{asked} got no answer in {KUBECTL_TIMEOUT_S} s") from None
    except OSError as error:
        raise ValueError(f"{asked} didn't run: {error}") from None
    if result.returncode != 0:
        # kubectl's last line says why (its first ones are often client-go's retries, logged).
        said = [line.strip() for line in result.stderr.splitlines() if line.strip()] or [f"exit {result.returncode}"]
        raise ValueError(f"{asked} failed: {said[-1]}")
    return parse_crd(result.stdout, f"{CLUSTER_NAMES[kind]} of {where}", kinds=(kind,))


def kubectl_where() -> str:
    """Which cluster kubectl asks: "kubectl context NAME", or that none is set (in a pod, kubectl then asks its
    own cluster; elsewhere, localhost:8080)."""
    try:
        result = subprocess.run(
            ["kubectl", "config", "current-context"], capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired):
        return "no kubectl context set"
    context = result.stdout.strip() if result.returncode == 0 else ""
    return f"kubectl context {context}" if context else "no kubectl context set"
