"""What the rendered pods run as, and Ray's own auth: the security settings of every manifest (who may reach the
pods is network_policies.py's).

The container settings below are the Pod Security Standards' "restricted" profile, each one checked against what
Ray, KubeRay v1.7.0 and Redis do in these pods.
"""

# rayproject/ray's user `ray` (docker/base-deps: `useradd ... ray --uid 1000 --gid 100`); textml's Dockerfile
# copies its files `--chown=ray:users` (gid 100).
RAY_USER, RAY_GROUP = 1000, 100
# redis:7.2-alpine's user (`addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`). The image's
# entrypoint would switch to it, but the rendered `command` bypasses the entrypoint: without this Redis runs as root.
REDIS_USER, REDIS_GROUP = 999, 1000
REDIS_DATA = "/data"  # the image's WORKDIR, owned by redis; the rendered --dir


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


def ray_auth_options(mode: str) -> dict:
    """KubeRay's authOptions for a profile's ray_auth ("token" or "disabled"), always written out: a manifest says
    whether Ray checks callers, and `textml k8s check` warns where it doesn't.

    With mode token, KubeRay v1.7.0 makes a Secret named after each RayCluster holding a random `auth_token`
    (raycluster_controller.go:reconcileAuthSecret) and gives RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (from that
    Secret) to the Ray container, the workers' wait-gcs-ready init container and the autoscaler sidecar
    (common/pod.go:configureTokenAuth, SetContainerTokenAuthEnvVars); the operator reads the same Secret for its
    dashboard calls (utils/util.go:GetRayDashboardClientFunc). Ray 2.60 then refuses callers without the token on
    the dashboard (job submission, the Serve REST API), the GCS and Ray Client, but leaves open what has to be: the
    health paths KubeRay's probes call (/api/healthz, /api/local_raylet_healthz, /api/gcs_healthz), Serve's proxies
    (8000, 9000: textml's API keys guard those) and the Prometheus metrics (8080). KubeRay needs rayVersion 2.52.0
    or later for it (utils/validation.go:ValidateRayClusterSpec). Only mode token turns it on: KubeRay checks
    `mode == token` (utils/util.go:IsAuthEnabled), so authOptions without a mode leaves Ray open.
    """
    return {"mode": mode}
