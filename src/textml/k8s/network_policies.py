"""Who may reach the rendered pods: NetworkPolicies for Redis and for the Ray pods.

Both pick the Ray pods by a label of our own rendered on every Ray pod template, since KubeRay's own labels can't
name them: ray.io/cluster holds the RayCluster's name, which for a RayService is <name>-<random> and new on every
upgrade, and ray.io/originated-from-cr-name is set on the RayCluster and its Services, not on the pods
(rayservice_controller.go:constructRayClusterForRayService; pods get their template's labels plus
common/pod.go:labelPod's). The selector also asks for ray.io/cluster, which KubeRay sets on every pod it makes, so
it names KubeRay's pods of this RayService: the head, the workers, and the Redis clean-up Job's pod, which KubeRay
builds from the head's (raycluster_controller.go:buildRedisCleanupJob). During a NewCluster upgrade the old and
the new cluster carry the labels alike, and may reach each other. Labels are no boundary against whoever may
create pods in the namespace: such a pod can carry them too.

Only ingress is restricted: Ray's pods reach out to the Kubernetes API (the autoscaler), DNS, Redis and, for a
model not baked into the image, the model hub. Traffic from a pod's own node, such as the kubelet's probes, passes
any NetworkPolicy.
"""

from textml.k8s.ports import DASHBOARD_PORT, METRICS_PORTS
from textml.k8s.profile import NetworkPolicy, Peer

# On every Ray pod template (head and worker groups), valued with the RayService's name.
RAY_POD_LABEL = "textml.io/rayservice"
CLUSTER_LABEL = "ray.io/cluster"  # KubeRay's, on every pod it makes
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace


def ray_pods(service: str) -> dict:
    """The label selector of this RayService's Ray pods."""
    return {
        "matchLabels": {RAY_POD_LABEL: service},
        "matchExpressions": [{"key": CLUSTER_LABEL, "operator": "Exists"}],
    }


def _peer(peer: Peer) -> dict:
    """Pods of another namespace: both selectors in one entry, so a pod must match both."""
    return {
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: peer.namespace}},
        "podSelector": {"matchLabels": dict(peer.labels)},
    }


def _tcp(*ports: int) -> list[dict]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def ray_network_policy(service: str, serve_ports: dict[str, int], settings: NetworkPolicy) -> dict:
    """Ingress to this RayService's Ray pods:

    - Serve's proxies (serve_ports: {"serve": HTTP, "serve-grpc": gRPC where an app serves it}) from every pod of
      the namespace (`podSelector: {}` alone means the policy's own namespace): the clients and a gateway beside
      them. It needs no namespace name in the manifest, which is applied to whatever namespace kubectl names; a
      namespaceSelector would have to spell it. A gateway in another namespace needs a policy of the platform's.
    - every port from the Ray pods themselves: GCS 6379, the dashboard 8265, Ray Client 10001, the metrics port, and
      the ports Ray picks at random (raylets, object managers, workers' 10002-19999, replicas' gRPC).
    - the dashboard and the serve port from the KubeRay operator: it sends serveConfigV2 to and reads Serve's
      status from the dashboard (utils/dashboardclient), and asks the head's proxy /-/healthz where the head
      serves (rayservice_controller.go:updateHeadPodServeLabel).
    - the metrics ports from Prometheus.
    """
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{service}-ray", "labels": {RAY_POD_LABEL: service}},
        "spec": {
            "podSelector": ray_pods(service),
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {}}], "ports": _tcp(*serve_ports.values())},
                {"from": [{"podSelector": ray_pods(service)}]},
                {"from": [_peer(settings.operator)], "ports": _tcp(DASHBOARD_PORT, serve_ports["serve"])},
                {"from": [_peer(settings.prometheus)], "ports": _tcp(*METRICS_PORTS)},
            ],
        },
    }


def _earlier_heads(name: str) -> dict:
    """The head pods (and their Redis clean-up Job's) of a cluster rendered before RAY_POD_LABEL, which carry this
    label of the earlier Redis policy instead. A blue/green upgrade keeps such a cluster running until the new one
    serves, its GCS on Redis, and then its clean-up Job deletes its keys: both need Redis meanwhile. Remove once no
    cluster rendered before textml.io/rayservice runs."""
    return {
        "matchLabels": {"textml.io/redis-client": name},
        "matchExpressions": [{"key": "ray.io/node-type", "operator": "In", "values": ["head", "redis-cleanup"]}],
    }


def redis_network_policy(name: str, redis_labels: dict, port: int, service: str) -> dict:
    """Ingress to Redis only from this RayService's Ray pods, on the Redis port: the GCS on the head (KubeRay gives
    RAY_REDIS_ADDRESS and REDIS_PASSWORD to the head container alone, common/pod.go:configureRedisFT), KubeRay's
    Redis clean-up Job, which deletes a deleted cluster's keys, and the ingress replicas on any pod, which keep
    the API keys' quotas in a database of their own (api_keys.py); and an earlier cluster's head until it's gone."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": dict(redis_labels)},
        "spec": {
            "podSelector": {"matchLabels": dict(redis_labels)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": ray_pods(service)}, {"podSelector": _earlier_heads(name)}],
                    "ports": _tcp(port),
                }
            ],
        },
    }
