"""The KubeRay resources textml renders and checks, and where each keeps the spec of the RayCluster it makes."""

RAY_SERVICE, RAY_JOB = "RayService", "RayJob"
# RayServiceSpec.RayClusterSpec is `rayClusterConfig` in JSON, RayJobSpec.RayClusterSpec is `rayClusterSpec`
# (KubeRay v1.7.0, ray-operator/apis/ray/v1); both are a RayClusterSpec.
CLUSTER_KEYS = {RAY_SERVICE: "rayClusterConfig", RAY_JOB: "rayClusterSpec"}


def cluster_field(manifest: dict) -> str:
    """Where the manifest's RayCluster spec is: "spec.rayClusterConfig" (a RayService) or "spec.rayClusterSpec"."""
    return f"spec.{CLUSTER_KEYS.get(manifest.get('kind'), CLUSTER_KEYS[RAY_SERVICE])}"


def cluster_spec(manifest: dict) -> dict:
    """The manifest's RayCluster spec, {} where it has none."""
    key = CLUSTER_KEYS.get(manifest.get("kind"), CLUSTER_KEYS[RAY_SERVICE])
    return ((manifest.get("spec") or {}).get(key)) or {}
