"""Where the project's files are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVE_CONFIG = ROOT / "deploy" / "serve_config.yaml"
KUBERNETES = ROOT / "deploy" / "kubernetes"
PROFILES = sorted((KUBERNETES / "profiles").glob("*.yaml"))
MANIFESTS = [KUBERNETES / profile.name for profile in PROFILES]
# Shared files beside the project (KubeRay's CRDs): present in CI, maybe not in a user's clone.
CRD = ROOT.parent / "shared" / "kuberay" / "crds" / "ray.io_rayservices.yaml"
