"""Where `textml k8s check` gets the RayService CRD: the file --crd names, else the cluster kubectl points at
(KubeRay installs rayservices.ray.io there), else none: then every check but the CRD schema's runs."""

import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

from textml.k8s.crd import RayServiceCrd, parse_crd, read_crd

KUBERAY_CRD_URL = (
    "https://raw.githubusercontent.com/ray-project/kuberay/v1.7.0/ray-operator/config/crd/bases/ray.io_rayservices.yaml"
)
WHERE_TO_GET = (
    f"get KubeRay v1.7.0's ray.io_rayservices.yaml from {KUBERAY_CRD_URL} "
    "(or its Helm chart's helm-chart/kuberay-operator/crds/)"
)
CLUSTER_CRD = "rayservices.ray.io"
KUBECTL_TIMEOUT_S = 10


class CrdFound(NamedTuple):
    crd: RayServiceCrd | None  # None: no schema to check against
    said: str  # one line: where the schema came from, or why its check was skipped


def find_crd(crd_path: str | None) -> CrdFound:
    """--crd's file when given; else the cluster's CRD, if kubectl is on PATH and answers; else none."""
    if crd_path:
        return CrdFound(crd_from_file(crd_path), f"schema: {crd_path}")
    if shutil.which("kubectl") is None:
        return no_crd("no --crd, and no kubectl on PATH to ask a cluster")
    where = kubectl_where()
    try:
        crd = crd_from_cluster(where)
    except ValueError as error:
        return no_crd(str(error))
    return CrdFound(crd, f"schema: the cluster's {CLUSTER_CRD} ({where})")


def no_crd(reason: str) -> CrdFound:
    return CrdFound(None, f"skipped: the CRD schema check (no CRD: {reason}; {WHERE_TO_GET}, and pass --crd FILE)")


def crd_from_file(crd_path: str) -> RayServiceCrd:
    if not Path(crd_path).is_file():
        raise ValueError(f"no CRD at {crd_path}: {WHERE_TO_GET}, or leave out --crd to use the cluster's")
    return read_crd(crd_path)


def crd_from_cluster(where: str) -> RayServiceCrd:
    """`kubectl get crd rayservices.ray.io`: the schema the cluster's KubeRay enforces. ValueError, in one line,
    when kubectl can't give it (no cluster, no KubeRay, no answer within KUBECTL_TIMEOUT_S)."""
    command = ["kubectl", "get", "crd", CLUSTER_CRD, "-o", "yaml"]
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
    return parse_crd(result.stdout, f"{CLUSTER_CRD} of {where}")


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
