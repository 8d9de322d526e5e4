"""Where the project's files are."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVE_CONFIG = ROOT / "deploy" / "serve_config.yaml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
ALL_PROFILES = sorted((KUBERNETES / "profiles").glob("*.yaml"))
# RayService profiles, and the RayJob ones (`kind: RayJob`: `textml batch` on a cluster of its own).
JOB_PROFILES = [p for p in ALL_PROFILES if yaml.safe_load(p.read_text()).get("kind") == "RayJob"]
PROFILES = [p for p in ALL_PROFILES if p not in JOB_PROFILES]
MANIFESTS = [KUBERNETES / profile.name for profile in PROFILES]
JOB_MANIFESTS = [KUBERNETES / profile.name for profile in JOB_PROFILES]
# Shared files beside the project (KubeRay's CRDs): present in CI, maybe not in a user's clone.
CRDS = ROOT.parent / "shared" / "kuberay" / "crds"
CRD = CRDS / "ray.io_rayservices.yaml"
RAYJOB_CRD = CRDS / "ray.io_rayjobs.yaml"
