"""KubeRay's CRDs textml checks manifests against, the RayService's and the RayJob's (ray.io_rayservices.yaml and
ray.io_rayjobs.yaml from the KubeRay release, or the ones a cluster holds), each read once."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from textml.k8s.kinds import RAY_JOB, RAY_SERVICE

# libyaml's loader reads the 1 MB CRD in a tenth of a second; the pure-Python one takes seconds.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Each kind's CRD: its file in the KubeRay release (ray-operator/config/crd/bases/), and its name in a cluster.
FILES = {RAY_SERVICE: "ray.io_rayservices.yaml", RAY_JOB: "ray.io_rayjobs.yaml"}
CLUSTER_NAMES = {RAY_SERVICE: "rayservices.ray.io", RAY_JOB: "rayjobs.ray.io"}


@dataclass(frozen=True, eq=False)  # hashed by identity: validators are cached per CRD read
class KubeRayCrd:
    document: dict
    name: str  # how findings name it: the file's name, or the cluster's CRD

    @property
    def kind(self) -> str:
        """The kind it defines: RayService or RayJob."""
        return self.document["spec"]["names"]["kind"]

    def schema(self, version: str = "v1") -> dict:
        """The OpenAPI schema of a resource of this kind and API version."""
        entries = [v for v in self.document["spec"]["versions"] if v["name"] == version]
        if not entries:
            raise ValueError(f"{self.name} defines no version {version}")
        return entries[0]["schema"]["openAPIV3Schema"]


RayServiceCrd = KubeRayCrd  # the name it had while RayServices were all textml checked
# What the checks take: one CRD, several (by kind, or as given), or none (every check but the schema's).
Crds = KubeRayCrd | Mapping[str, KubeRayCrd] | None


def _kinds(kinds: tuple[str, ...]) -> str:
    return " or ".join(f"the {kind} CRD (KubeRay's {FILES[kind]})" for kind in kinds)


def parse_crd(text: str, name: str, kinds: tuple[str, ...] = (RAY_SERVICE, RAY_JOB)) -> KubeRayCrd:
    """The CRD in `text` (a file's, or `kubectl get crd -o yaml`'s); ValueError, in one line, if it isn't the CRD
    of one of `kinds`."""
    try:
        document = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as error:
        raise ValueError(f"{name} is not YAML: {' '.join(str(error).split())}") from None
    names = (document.get("spec") or {}).get("names") or {} if isinstance(document, dict) else {}
    if names.get("kind") not in kinds:
        raise ValueError(f"{name} is not {_kinds(kinds)}")
    return KubeRayCrd(document, name)


@lru_cache(maxsize=8)
def read_crd(crd_path: str) -> KubeRayCrd:
    return parse_crd(Path(crd_path).read_text(), Path(crd_path).name)


def by_kind(crds: Crds) -> dict[str, KubeRayCrd]:
    """The CRDs the checks were given, by the kind each defines."""
    if crds is None:
        return {}
    if isinstance(crds, KubeRayCrd):
        return {crds.kind: crds}
    return {crd.kind: crd for crd in crds.values()}


def rayservice_schema(crd_path: str, version: str = "v1") -> dict:
    """The OpenAPI schema of a RayService of this API version, from the CRD file at `crd_path`."""
    crd = read_crd(str(crd_path))
    if crd.kind != RAY_SERVICE:
        raise ValueError(f"{crd.name} is not {_kinds((RAY_SERVICE,))}")
    return crd.schema(version)
