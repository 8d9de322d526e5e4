"""Renders RayService manifests from deploy/serve_config.yaml plus a cluster profile (a `kind: RayJob` profile's
RayJob: rayjob.py).

serveConfigV2 is derived, never hand-copied: the apps the profile names, exactly as the Serve config
defines them, with the proxy bound to every interface and the profile's scaling for the model deployments.
"""

import copy
from pathlib import Path

import yaml

from textml.k8s.api_keys import keys_env, keys_mount, keys_volume
from textml.k8s.cluster_parts import cluster_spec, worker_groups
from textml.k8s.hardening import (
    REDIS_DATA,
    ray_container_security,
    redis_container_security,
)
from textml.k8s.network_policies import RAY_POD_LABEL, ray_network_policy, redis_network_policy
from textml.k8s.ports import CLIENT_PORT, DASHBOARD_PORT, GCS_PORT, GRPC_PORT, HTTP_PORT
from textml.k8s.profile import Profile, Resources
from textml.k8s.rayjob import rayjob_documents
from textml.serve_config import model_deployments, runs_text_ml

REDIS_IMAGE = "redis:7.2-alpine"


def serve_config_v2(serve_config: dict, profile: Profile) -> dict:
    config = copy.deepcopy(serve_config)
    config["applications"] = [a for a in config["applications"] if a["name"] in profile.applications]
    missing = set(profile.applications) - {a["name"] for a in config["applications"]}
    if missing:
        raise ValueError(f"profile {profile.name} names apps the Serve config lacks: {sorted(missing)}")
    # In a pod the proxy must listen on the pod's address, not only loopback.
    config["http_options"] = {**config.get("http_options", {}), "host": "0.0.0.0", "port": HTTP_PORT}
    config["proxy_location"] = "EveryNode"
    # textml's gRPC servicer serves text_ml_app alone.
    if any(runs_text_ml(app) for app in config["applications"]) and config.get("grpc_options"):
        config["grpc_options"] = {**config["grpc_options"], "port": GRPC_PORT}
    else:  # no app of this manifest answers gRPC: open no gRPC port
        config.pop("grpc_options", None)
    if profile.model_scaling:
        scaling = profile.model_scaling
        for _, entry in model_deployments(config):
            entry.pop("num_replicas", None)
            entry["autoscaling_config"] = {
                "min_replicas": scaling.min_replicas,
                "max_replicas": scaling.max_replicas,
                "target_ongoing_requests": scaling.target_ongoing_requests,
            }
            if scaling.max_replicas_per_node:
                entry["max_replicas_per_node"] = scaling.max_replicas_per_node
            entry.setdefault("ray_actor_options", {})["num_cpus"] = scaling.num_cpus
    return config


def _container(name: str, profile: Profile, resources: Resources, ports: dict[str, int]) -> dict:
    container = {
        "name": name,
        "image": profile.image,
        "resources": resources.requirements(),
        "ports": [{"name": port_name, "containerPort": port} for port_name, port in ports.items()],
        "securityContext": ray_container_security(),
    }
    if profile.api_keys:  # on every Ray container: an ingress replica may run on any of them
        if profile.redis:
            container["env"] = keys_env(profile.api_keys, redis_address(profile), _redis_password(profile))
        else:
            container["env"] = keys_env(profile.api_keys, None, None)
        container["volumeMounts"] = [keys_mount()]
    return container


def _pod_template(container: dict, profile: Profile, api_access: bool = False) -> dict:
    spec = {"containers": [container]}
    if not api_access:  # only the autoscaler sidecar calls the Kubernetes API; Ray itself never does
        spec["automountServiceAccountToken"] = False
    if profile.api_keys:
        spec["volumes"] = [keys_volume(profile.api_keys)]
    # The label that NetworkPolicies (ours and the platform's) select this RayService's pods by: network_policies.py.
    return {"metadata": {"labels": {RAY_POD_LABEL: profile.name}}, "spec": spec}


def serve_ports(config: dict) -> dict[str, int]:
    """Serve's ports in a rendered serveConfigV2, by their container port names: HTTP, and gRPC where an app
    serves it. KubeRay's serve service keeps only container ports named serve or serve-* (common/service.go)."""
    grpc = config.get("grpc_options") or {}
    ports = {"serve": config["http_options"]["port"]}
    if grpc.get("grpc_servicer_functions"):
        ports["serve-grpc"] = grpc["port"]
    return ports


def rayservice(serve_config: dict, profile: Profile) -> dict:
    config = serve_config_v2(serve_config, profile)
    serving = serve_ports(config)
    grpc = "serve-grpc" in serving
    head_ports = {"gcs-server": GCS_PORT, "dashboard": DASHBOARD_PORT, "client": CLIENT_PORT, **serving}
    head_start = {"dashboard-host": "0.0.0.0"}
    if not profile.head.serves:
        head_start["num-cpus"] = "0"
    cluster = cluster_spec(profile)
    if profile.redis:
        cluster["gcsFaultToleranceOptions"] = {
            "redisAddress": redis_address(profile),
            "redisPassword": {"valueFrom": _redis_password(profile)},
        }
    head = _container("ray-head", profile, profile.head.resources, head_ports)
    cluster["headGroupSpec"] = {
        "rayStartParams": head_start,
        "template": _pod_template(head, profile, api_access=profile.in_tree_autoscaling),
    }
    worker = _container("ray-worker", profile, profile.workers.resources, serving)
    cluster["workerGroupSpecs"] = worker_groups(profile, _pod_template(worker, profile))
    metadata = {"name": profile.name}
    if profile.initializing_timeout:
        # How long KubeRay waits for a new cluster's apps before it gives up and recreates it.
        metadata["annotations"] = {"ray.io/initializing-timeout": profile.initializing_timeout}
    spec = {
        "upgradeStrategy": {"type": "NewCluster"},
        "excludeHeadPodFromServeSvc": not profile.head.serves,
        "serveConfigV2": yaml.safe_dump(config, sort_keys=False),
    }
    if grpc:
        spec["serveService"] = {
            "metadata": {"name": f"{profile.name}-serve-svc"},
            "spec": {"ports": [{"name": name, "port": port, "targetPort": port} for name, port in serving.items()]},
        }
    spec["rayClusterConfig"] = cluster
    return {"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": metadata, "spec": spec}


def redis_name(profile: Profile) -> str:
    return f"{profile.name}-redis"


def redis_address(profile: Profile) -> str:
    return f"{redis_name(profile)}:{GCS_PORT}"


def _redis_password(profile: Profile) -> dict:
    """The password's valueFrom: the Secret made beforehand (redis_objects), for the GCS and the quota store."""
    return {"secretKeyRef": {"name": redis_name(profile), "key": "password"}}


def redis_objects(profile: Profile) -> list[dict]:
    """A Redis Deployment, its Service and a NetworkPolicy: the GCS's external storage, and the API keys' quota
    store (api_keys.py).

    The password Secret is not rendered: a manifest holding one would hand every reader of the repository the
    password, and each `kubectl apply` of it would reset a password set by hand. Create it once beforehand:
    kubectl create secret generic NAME --from-literal=password="$(openssl rand -hex 32)". Until it exists,
    Redis and the head wait in CreateContainerConfigError naming the Secret.
    """
    name = redis_name(profile)
    labels = {"app": name}
    secret_env = {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": name, "key": "password"}}}
    server = f'exec redis-server --dir {REDIS_DATA} --appendonly yes --requirepass "$REDIS_PASSWORD"'
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automountServiceAccountToken": False,  # Redis never calls the Kubernetes API
                        "containers": [
                            {
                                "name": "redis",
                                "image": REDIS_IMAGE,
                                "command": ["sh", "-c", server],
                                "env": [secret_env],
                                "ports": [{"name": "redis", "containerPort": GCS_PORT}],
                                "resources": {
                                    "requests": {"cpu": "200m", "memory": "256Mi"},
                                    "limits": {"cpu": "1", "memory": "1Gi"},
                                },
                                "securityContext": redis_container_security(),
                                "volumeMounts": [{"name": "data", "mountPath": REDIS_DATA}],
                            }
                        ],
                        # The one writable path of a read-only container; it also keeps the append-only file
                        # across a restart of the container (not of the pod).
                        "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": labels},
            "spec": {"selector": labels, "ports": [{"name": "redis", "port": GCS_PORT, "targetPort": GCS_PORT}]},
        },
        redis_network_policy(name, labels, GCS_PORT, profile.name),
    ]


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings (serveConfigV2) as readable `|` blocks, and no YAML anchors."""

    def ignore_aliases(self, data):
        return True


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def render(serve_config: dict, profile: Profile, source: str) -> str:
    if profile.kind == "RayJob":
        documents = rayjob_documents(serve_config, profile)
    else:
        documents = redis_objects(profile) if profile.redis else []
        if profile.network_policy:
            ports = serve_ports(serve_config_v2(serve_config, profile))
            documents.append(ray_network_policy(profile.name, ports, profile.network_policy))
        documents.append(rayservice(serve_config, profile))
    header = (
        f"# Rendered by `textml k8s render` from {source} and the profile {profile.name}.\n"
        "# Do not edit: change the Serve config or the profile, then render again.\n"
    )
    # No line width: a long value (a RayJob's entrypoint) stays on one line, as it is run.
    text = yaml.dump_all(documents, Dumper=_LiteralDumper, sort_keys=False, explicit_start=True, width=2**31 - 1)
    return header + text


def manifest_path(profile_path: Path, out_dir: Path) -> Path:
    return out_dir / profile_path.name
