"""What the rendered pods run as, and who may reach Redis: the security settings of every manifest.

The settings below are the Pod Security Standards' "restricted" profile, each one checked against what Ray,
KubeRay v1.7.0 and Redis do in these pods.
"""

# rayproject/ray's user `ray` (docker/base-deps: `useradd ... ray --uid 1000 --gid 100`); textml's Dockerfile
# copies its files `--chown=ray:users` (gid 100).
RAY_USER, RAY_GROUP = 1000, 100
# redis:7.2-alpine's user (`addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`). The image's
# entrypoint would switch to it, but the rendered `command` bypasses the entrypoint: without this Redis runs as root.
REDIS_USER, REDIS_GROUP = 999, 1000
REDIS_DATA = "/data"  # the image's WORKDIR, owned by redis; the rendered --dir

# The label that lets a pod through the Redis NetworkPolicy, rendered on the head's pod template alone.
REDIS_CLIENT_LABEL = "textml.io/redis-client"
# KubeRay sets ray.io/node-type itself, and a pod template can't override it (common/pod.go:labelPod).
NODE_TYPE_LABEL = "ray.io/node-type"
# Only the GCS reaches Redis: KubeRay gives RAY_REDIS_ADDRESS and REDIS_PASSWORD to the head container alone
# (common/pod.go:configureRedisFT). When a RayCluster is deleted (a RayService's old cluster after an upgrade, or
# the RayService itself) KubeRay's Redis clean-up Job deletes its keys; that Job's pod is the head pod with
# node-type "redis-cleanup" (raycluster_controller.go:buildRedisCleanupJob), so it keeps the head's labels.
REDIS_CLIENT_NODE_TYPES = ["head", "redis-cleanup"]


def ray_container_security() -> dict:
    """For the Ray container of the head and every worker group. KubeRay copies it to the workers'
    wait-gcs-ready init container (common/pod.go:DefaultWorkerPodTemplate) and to the Redis clean-up Job.

    - runAsNonRoot, runAsUser/runAsGroup: the image's own user. Ray needs no root: its ports (6379, 8265, 8000,
      9000, 10001, 8080) are above 1024, and it writes only where `ray` may: /tmp/ray (sessions, logs, sockets,
      spilled objects, runtime_env packages), /dev/shm (KubeRay's emptyDir) and $HOME (/home/ray: the model
      caches).
    - allowPrivilegeEscalation false: rayproject/ray gives `ray` passwordless sudo; no_new_privs makes setuid
      binaries (sudo) run without their privileges, so non-root stays non-root. Ray itself uses none.
    - capabilities drop ALL: serving needs none (no low ports, raw sockets or other users' files). Left out
      on purpose: SYS_PTRACE, which only the dashboard's py-spy stack traces and flame graphs need; add it in a
      pod you profile, not in production.
    - seccompProfile RuntimeDefault: the runtime's filter refuses syscalls (mount, unshare, bpf, keyctl...)
      that Ray never makes.
    - readOnlyRootFilesystem is NOT set: besides /tmp/ray, a `model` other than the image's t5-small is
      converted at run time into TEXTML_CACHE (/home/ray/textml-cache), and Python and the Hugging Face
      libraries write caches under $HOME. Each would need its own writable mount, and a path missed fails a
      replica only on the cluster. As non-root, Ray can't write the image's system paths anyway (owned by root).
    """
    return _restricted(RAY_USER, RAY_GROUP)


def redis_container_security() -> dict:
    """Redis writes only its append-only file and snapshots, into --dir (an emptyDir), and logs to stdout:
    the rest of its file system can be read-only."""
    return {**_restricted(REDIS_USER, REDIS_GROUP), "readOnlyRootFilesystem": True}


def _restricted(user: int, group: int) -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": user,
        "runAsGroup": group,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def autoscaler_options() -> dict:
    """The autoscaler sidecar KubeRay adds to the head (in-tree autoscaling) takes its securityContext from
    here and from nowhere else (common/pod.go:mergeAutoscalerOverrides). It runs `ray kuberay-autoscaler` from
    the head's image, writing only /tmp/ray (an emptyDir KubeRay mounts). Its resources are KubeRay's own
    defaults (common/pod.go:BuildAutoscalerContainer), written out so the manifest shows every container's."""
    limits = {"cpu": "500m", "memory": "512Mi"}
    return {
        "resources": {"requests": dict(limits), "limits": limits},
        "securityContext": ray_container_security(),
    }


def redis_network_policy(name: str, redis_labels: dict, port: int) -> dict:
    """Ingress to Redis only from this RayService's head pods and KubeRay's Redis clean-up Job, on the Redis port.

    KubeRay's pods carry ray.io/cluster, but a RayService's cluster is named <name>-<random> and renamed on every
    upgrade; ray.io/originated-from-cr-name is set on the RayCluster and its Services, not on the pods
    (rayservice_controller.go:constructRayClusterForRayService; pods get their template's labels plus
    common/pod.go:labelPod's). Hence a label of our own on the head's pod template, which the clean-up Job's pod
    inherits, and KubeRay's node type, which a pod template can't set.
    """
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": dict(redis_labels)},
        "spec": {
            "podSelector": {"matchLabels": dict(redis_labels)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "podSelector": {
                                "matchLabels": {REDIS_CLIENT_LABEL: name},
                                "matchExpressions": [
                                    {"key": NODE_TYPE_LABEL, "operator": "In", "values": REDIS_CLIENT_NODE_TYPES}
                                ],
                            }
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": port}],
                }
            ],
        },
    }
