"""Renders the RayJob of a `textml batch` run from a `kind: RayJob` profile, and the ConfigMap that carries it the
Serve config.

KubeRay v1.7.0 creates a RayCluster from rayClusterSpec, then (submissionMode K8sJobMode) a Kubernetes Job whose pod
runs `ray job submit -- ENTRYPOINT` against the head's dashboard and follows its logs; the entrypoint runs as the
job's driver on the head, with RAY_ADDRESS set by Ray. When the job ends, KubeRay deletes the cluster
ttlSecondsAfterFinished later (shutdownAfterJobFinishes), and keeps the RayJob and the submitter's Job, whose log
holds the driver's output. The decoding and engine settings are not copied into the profile: the ConfigMap holds
the profile's apps exactly as the Serve config defines them, mounted in the head, and `--config` names the mount.
"""

import yaml

from textml.k8s.cluster_parts import cluster_spec, worker_groups
from textml.k8s.hardening import RAY_GROUP, ray_container_security
from textml.k8s.ports import CLIENT_PORT, DASHBOARD_PORT, GCS_PORT
from textml.k8s.profile import Job, Profile, Resources
from textml.serve_config import runs_text_ml

CONFIG_DIR = "/etc/textml/config"
CONFIG_FILE = "serve_config.yaml"
CONFIG_PATH = f"{CONFIG_DIR}/{CONFIG_FILE}"
CONFIG_VOLUME, DATA_VOLUME = "serve-config", "data"
# On every pod template of the job's cluster (head, workers, submitter), valued with the RayJob's name: what to
# select its pods by (`kubectl logs -l textml.io/rayjob=NAME,ray.io/node-type=head`). KubeRay's ray.io/cluster names
# a generated cluster (NAME-xxxxx).
RAY_JOB_POD_LABEL = "textml.io/rayjob"
# KubeRay's own limits for its default submitter (common/job.go:GetDefaultSubmitterContainer: 1 CPU, 1Gi), here as
# requests too, with the 1Gi it allows: `ray job submit`, then `ray job logs --follow`, one Python process at a time.
SUBMITTER_RESOURCES = Resources(cpu="500m", memory="1Gi")
SUBMITTER_CONTAINER = "ray-job-submitter"  # utils.SubmitterContainerName


def config_map_name(profile: Profile) -> str:
    return f"{profile.name}-serve-config"


def job_config(serve_config: dict, profile: Profile) -> dict:
    """The Serve config `textml batch` reads: the profile's apps as the Serve config defines them (their
    Translator's and Summarizer's user_config), and nothing the batch doesn't read (proxies, ports, logging)."""
    apps = [app for app in serve_config["applications"] if app["name"] in profile.applications]
    missing = set(profile.applications) - {app["name"] for app in apps}
    if missing:
        raise ValueError(f"profile {profile.name} names apps the Serve config lacks: {sorted(missing)}")
    if not any(runs_text_ml(app) for app in apps):
        raise ValueError(
            f"profile {profile.name}: `textml batch` reads the Translator's and Summarizer's user_config of "
            "text_ml_app; list it in applications"
        )
    return {"applications": apps}


def entrypoint(job: Job) -> str:
    """`textml batch TASK INPUT OUTPUT [--language L] [--source S] --config CONFIG_PATH [OPTIONS...]`: every value
    is shell-safe (profile.SHELL_SAFE), so the submitter's bash and Ray's job supervisor read it alike."""
    words = ["textml", "batch", job.task, job.input, job.output]
    words += ["--language", job.language] if job.language else []
    words += ["--source", job.source] if job.source else []
    return " ".join([*words, "--config", CONFIG_PATH, *job.options])


def _container(name: str, profile: Profile, resources: Resources, mounts: list[dict], ports: dict | None) -> dict:
    container = {"name": name, "image": profile.image, "resources": resources.requirements()}
    if ports:
        container["ports"] = [{"name": port_name, "containerPort": port} for port_name, port in ports.items()]
    container["securityContext"] = ray_container_security()
    if profile.job.env_secret:
        container["envFrom"] = [{"secretRef": {"name": profile.job.env_secret}}]
    if mounts:
        container["volumeMounts"] = mounts
    return container


def _pod_template(container: dict, profile: Profile, volumes: list[dict], api_access: bool = False) -> dict:
    spec = {"containers": [container]}
    if not api_access:  # only the autoscaler sidecar calls the Kubernetes API
        spec["automountServiceAccountToken"] = False
    if volumes:
        spec["volumes"] = volumes
    if profile.job.volume:
        # The image's `ray` (1000, group 100) writes OUTPUT: where the volume's driver applies fsGroup (block storage,
        # most CSI drivers), the kubelet makes it group-writable for 100; NFS-like storage ignores it
        # (docs/operations.md: make the export writable by 1000:100). OnRootMismatch: no walk of every file of a
        # large volume at each pod start once its root is right.
        spec["securityContext"] = {"fsGroup": RAY_GROUP, "fsGroupChangePolicy": "OnRootMismatch"}
    return {"metadata": {"labels": {RAY_JOB_POD_LABEL: profile.name}}, "spec": spec}


def _data(job: Job) -> tuple[list[dict], list[dict]]:
    """The data volume's mounts and volumes: every Ray pod reads INPUT and writes OUTPUT there (none with URIs)."""
    if job.volume is None:
        return [], []
    mount = {"name": DATA_VOLUME, "mountPath": job.volume.mount_path}
    volume = {"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": job.volume.claim}}
    return [mount], [volume]


def _cluster(profile: Profile) -> dict:
    data_mounts, data_volumes = _data(profile.job)
    # The folder, not the file (subPath): the mount then follows the ConfigMap, and the file keeps its name.
    config_mount = {"name": CONFIG_VOLUME, "mountPath": CONFIG_DIR, "readOnly": True}
    config_volume = {"name": CONFIG_VOLUME, "configMap": {"name": config_map_name(profile)}}
    head_ports = {"gcs-server": GCS_PORT, "dashboard": DASHBOARD_PORT, "client": CLIENT_PORT}
    head = _container("ray-head", profile, profile.head.resources, [config_mount, *data_mounts], head_ports)
    cluster = cluster_spec(profile)
    cluster["headGroupSpec"] = {
        # num-cpus 0: the head runs the driver and the GCS; the batch's tasks and model actors go to the workers,
        # sized for them.
        "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
        "template": _pod_template(
            head, profile, [config_volume, *data_volumes], api_access=profile.in_tree_autoscaling
        ),
    }
    worker = _container("ray-worker", profile, profile.workers.resources, data_mounts, None)
    cluster["workerGroupSpecs"] = worker_groups(profile, _pod_template(worker, profile, data_volumes))
    return cluster


def _submitter(profile: Profile) -> dict:
    """KubeRay's default submitter pod with the Ray containers' hardening and requests = limits. Its command is
    left to KubeRay (configureSubmitterContainer fills it in, with RAY_DASHBOARD_ADDRESS and, with token auth,
    RAY_AUTH_TOKEN from the cluster's Secret); it calls the dashboard only, never the Kubernetes API."""
    container = {
        "name": SUBMITTER_CONTAINER,
        "image": profile.image,
        "resources": SUBMITTER_RESOURCES.requirements(),
        "securityContext": ray_container_security(),
    }
    return {
        "metadata": {"labels": {RAY_JOB_POD_LABEL: profile.name}},
        "spec": {"restartPolicy": "Never", "automountServiceAccountToken": False, "containers": [container]},
    }


def rayjob(profile: Profile) -> dict:
    job = profile.job
    spec = {
        "entrypoint": entrypoint(job),
        "submissionMode": "K8sJobMode",
        # The cluster goes ttlSecondsAfterFinished after the job ends; the RayJob and the submitter's Job (its log:
        # the driver's output) stay until the RayJob is deleted.
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": job.ttl_seconds_after_finished,
        "activeDeadlineSeconds": job.active_deadline_seconds,
        "backoffLimit": job.backoff_limit,
        "submitterPodTemplate": _submitter(profile),
        "rayClusterSpec": _cluster(profile),
    }
    return {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": profile.name}, "spec": spec}


def rayjob_documents(serve_config: dict, profile: Profile) -> list[dict]:
    """The ConfigMap with the Serve config, then the RayJob that mounts it."""
    text = yaml.safe_dump(job_config(serve_config, profile), sort_keys=False)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": config_map_name(profile)},
        "data": {CONFIG_FILE: text},
    }
    return [config_map, rayjob(profile)]
