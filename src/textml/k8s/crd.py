"""The RayService CRD (ray.io_rayservices.yaml from the KubeRay release), read once."""

from functools import lru_cache
from pathlib import Path

import yaml

# libyaml's loader reads the 1 MB CRD in a tenth of a second; the pure-Python one takes seconds.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4)
def rayservice_schema(crd_path: str, version: str = "v1") -> dict:
    """The OpenAPI schema of a RayService of this API version."""
    crd = yaml.load(Path(crd_path).read_text(), Loader=LOADER)
    entries = [v for v in crd["spec"]["versions"] if v["name"] == version]
    if not entries:
        raise ValueError(f"{crd_path} defines no version {version}")
    return entries[0]["schema"]["openAPIV3Schema"]
