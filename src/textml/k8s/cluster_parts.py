"""What every rendered RayCluster spec shares, a RayService's and a RayJob's alike."""

import ray

from textml.k8s.hardening import autoscaler_options, ray_auth_options
from textml.k8s.profile import Profile


def cluster_spec(profile: Profile) -> dict:
    """What every rendered cluster spec starts with: the Ray version, Ray's token auth, the autoscaler."""
    cluster = {
        "rayVersion": ray.__version__,
        "authOptions": ray_auth_options(profile.ray_auth),
        "enableInTreeAutoscaling": profile.in_tree_autoscaling,
    }
    if profile.in_tree_autoscaling:
        cluster["autoscalerOptions"] = autoscaler_options()
    return cluster


def worker_groups(profile: Profile, template: dict) -> list[dict]:
    """The profile's one worker group, its pods made from `template`."""
    workers = profile.workers
    return [
        {
            "groupName": workers.group,
            "replicas": workers.replicas,
            "minReplicas": workers.min_replicas,
            "maxReplicas": workers.max_replicas,
            "rayStartParams": {},
            "template": template,
        }
    ]
