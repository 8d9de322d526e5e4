"""The RayService CRD (ray.io_rayservices.yaml from the KubeRay release, or the one a cluster holds), read once."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

# libyaml's loader reads the 1 MB CRD in a tenth of a second; the pure-Python one takes seconds.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, eq=False)  # hashed by identity: validators are cached per CRD read
class RayServiceCrd:
    document: dict
    name: str  # how findings name it: the file's name, or the cluster's CRD

    def schema(self, version: str = "v1") -> dict:
        """The OpenAPI schema of a RayService of this API version."""
        entries = [v for v in self.document["spec"]["versions"] if v["name"] == version]
        if not entries:
            raise ValueError(f"{self.name} defines no version {version}")
        return entries[0]["schema"]["openAPIV3Schema"]


def parse_crd(text: str, name: str) -> RayServiceCrd:
    """The CRD in `text` (a file's, or `kubectl get crd -o yaml`'s); ValueError if it isn't the RayService one."""
    try:
        document = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as error:
        raise ValueError(f"{name} is not YAML: {' '.join(str(error).split())}") from None
    names = (document.get("spec") or {}).get("names") or {} if isinstance(document, dict) else {}
    if names.get("kind") != "RayService":
        raise ValueError(f"{name} is not the RayService CRD (KubeRay's ray.io_rayservices.yaml)")
    return RayServiceCrd(document, name)


@lru_cache(maxsize=4)
def read_crd(crd_path: str) -> RayServiceCrd:
    return parse_crd(Path(crd_path).read_text(), Path(crd_path).name)


def rayservice_schema(crd_path: str, version: str = "v1") -> dict:
    """The OpenAPI schema of a RayService of this API version, from the CRD file at `crd_path`."""
    return read_crd(str(crd_path)).schema(version)
