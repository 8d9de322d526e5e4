"""A cluster profile: what a RayService needs beyond the Serve config (image, pods, replicas, HA), or, with
`kind: RayJob`, what the RayJob of a `textml batch` run needs (its job: section)."""

import re
from pathlib import Path, PurePosixPath
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resources(Strict):
    """Requests equal limits: a replica's CPU threads are the cores it was promised."""

    cpu: str
    memory: str

    def requirements(self) -> dict:
        """A container's `resources`: the same requests and limits."""
        limits = {"cpu": self.cpu, "memory": self.memory}
        return {"requests": dict(limits), "limits": limits}


class Head(Strict):
    resources: Resources
    # False keeps Serve replicas off the head (num-cpus 0) and the head out of the serve service.
    serves: bool = True


class Workers(Strict):
    group: str = "cpu"
    replicas: int = Field(ge=0)
    min_replicas: int = Field(ge=0)
    max_replicas: PositiveInt
    resources: Resources


class ModelScaling(Strict):
    """Serve autoscaling for the model deployments (Translator, Summarizer)."""

    min_replicas: PositiveInt = 2
    max_replicas: PositiveInt = 4
    target_ongoing_requests: float = 2
    max_replicas_per_node: Optional[PositiveInt] = 1
    num_cpus: float = 1


class Peer(Strict):
    """Pods of another namespace: those carrying `labels` in the namespace named `namespace` (its
    kubernetes.io/metadata.name label, which Kubernetes sets on every namespace)."""

    namespace: str
    labels: dict[str, str] = Field(default_factory=dict)


class NetworkPolicy(Strict):
    """A NetworkPolicy for the Ray pods (network_policies.py): the serve ports open to the namespace, every other Ray
    port to the cluster's own pods and to these two."""

    # The KubeRay Helm chart labels its pod app.kubernetes.io/name: kuberay-operator; the namespace is the one it
    # was installed in (`helm install --namespace ray-system`, docs/operations.md).
    operator: Peer = Peer(namespace="ray-system", labels={"app.kubernetes.io/name": "kuberay-operator"})
    # kube-prometheus-stack as KubeRay's install/prometheus/install.sh installs it.
    prometheus: Peer = Peer(namespace="prometheus-system", labels={"app.kubernetes.io/name": "prometheus"})


class ApiKeys(Strict):
    """The keys file (`textml keys create --file PATH`) from a Secret made beforehand with
    `kubectl create secret generic SECRET --from-file=KEY=PATH`, mounted read-only into every Ray container and
    named by TEXTML_API_KEYS_FILE: the ingress then takes only callers with a key of that file."""

    secret: str = "textml-api-keys"
    key: str = "keys.yaml"


# What shlex leaves unquoted: the entrypoint passes through two shells (the submitter's `bash -c`, then Ray's job
# supervisor, which runs `ray job submit`'s rejoined arguments with shell=True), so a space, quote or `$` in a value
# would be split or expanded differently by each. Values made of these characters mean the same to both.
SHELL_SAFE = re.compile(r"^[\w@%+=:,./-]+$", re.ASCII)
# Set by the renderer from the fields above them, not by `options`.
RENDERED_OPTIONS = ("--config", "--language", "--source")


def is_uri(location: str) -> bool:
    """An object-store URI (s3://bucket/prefix, gs://...), which every pod reads through pyarrow, not a path."""
    return "://" in location


class DataVolume(Strict):
    """A PersistentVolumeClaim made beforehand, mounted read-write in the head and every worker: Ray Data reads
    INPUT and writes OUTPUT from the workers, each its own files, so it must be ReadWriteMany."""

    claim: str
    mount_path: str = "/data"


class Job(Strict):
    """What `textml batch TASK INPUT OUTPUT ...` runs on (the RayJob's entrypoint, rayjob.py)."""

    task: Literal["translate", "summarize"]
    # A JSONL file (a `text` field) or a directory of JSONL/Parquet/text files; OUTPUT is a directory Ray Data
    # writes. Each a path under volume.mount_path, or an object-store URI (then no volume is needed).
    input: str
    output: str
    language: Optional[str] = None  # translate: the target, a name or ISO 639-1 code
    source: Optional[str] = None  # translate: the text's language (default: detected)
    options: list[str] = Field(default_factory=list)  # more `textml batch` options, appended as written
    volume: Optional[DataVolume] = None
    # A Secret made beforehand whose keys become env vars of every Ray container (envFrom): the object store's
    # credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION... as pyarrow reads them).
    env_secret: Optional[str] = None
    # How long the finished job's cluster stays (its dashboard and logs) before KubeRay deletes it.
    ttl_seconds_after_finished: int = Field(3600, ge=0)
    # The whole run, from the RayJob's start: past it KubeRay marks the job Failed (its cluster goes after the TTL).
    active_deadline_seconds: PositiveInt = 6 * 3600
    # Retries of a failed job, each on a new cluster, over the same OUTPUT: `textml batch` skips the rows it holds.
    backoff_limit: int = Field(2, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> "Job":
        if self.task == "translate" and not self.language:
            raise ValueError("job.language is required for task translate (the target language)")
        if self.task == "summarize" and (self.language or self.source):
            raise ValueError("job.language and job.source are for task translate; summarize takes neither")
        if self.input == self.output:
            raise ValueError("job.input and job.output are the same")
        for field in ("input", "output"):
            location = getattr(self, field)
            if is_uri(location):
                continue
            if not location.startswith("/"):
                raise ValueError(f"job.{field} {location!r}: give an absolute path (under the volume) or a URI")
            if self.volume is None:
                raise ValueError(f"job.{field} {location!r} is a path: name the volume it is on (job.volume)")
            mount = self.volume.mount_path
            if not PurePosixPath(location).is_relative_to(mount):
                raise ValueError(f"job.{field} {location!r} is not under the volume's mount_path {mount}")
        given = [option for option in self.options if option.split("=")[0] in RENDERED_OPTIONS]
        if given:
            raise ValueError(f"job.options {given}: the renderer sets --config, and --language/--source from job:")
        for value in [self.input, self.output, self.language, self.source, *self.options]:
            if value is not None and not SHELL_SAFE.match(value):
                raise ValueError(
                    f"job: {value!r} would read differently in the two shells the entrypoint passes through; use "
                    "letters, digits and @%+=:,./-_ only"
                )
        return self


# A RayJob's cluster serves nothing: these fields render Serve, Redis and the API keys of a RayService.
RAYSERVICE_ONLY = ("model_scaling", "redis", "initializing_timeout", "network_policy", "api_keys")


class Profile(Strict):
    name: str
    # RayService: serves the applications. RayJob: runs `textml batch` (job:) once, on a cluster of its own.
    kind: Literal["RayService", "RayJob"] = "RayService"
    # RayService: the apps served. RayJob: the apps whose config the job reads (the ConfigMap: text_ml_app).
    applications: list[str]
    image: str
    head: Head
    workers: Workers
    model_scaling: Optional[ModelScaling] = None
    in_tree_autoscaling: bool = False
    # GCS fault tolerance: the GCS keeps its state in this Redis (rendered alongside the RayService).
    redis: bool = False
    initializing_timeout: Optional[str] = None
    # Ray's own token auth (KubeRay's authOptions): the dashboard, GCS and Ray Client refuse callers without the
    # cluster's token. Off only where a profile says so.
    ray_auth: Literal["token", "disabled"] = "token"
    network_policy: Optional[NetworkPolicy] = None
    api_keys: Optional[ApiKeys] = None
    job: Optional[Job] = None

    @model_validator(mode="after")
    def _fits_kind(self) -> "Profile":
        if self.kind == "RayService" and self.job is not None:
            raise ValueError("job: is a RayJob's section: add kind: RayJob, or remove it")
        if self.kind == "RayJob":
            if self.job is None:
                raise ValueError("kind RayJob needs a job: section (task, input, output...)")
            given = [name for name in RAYSERVICE_ONLY if getattr(self, name) not in (None, False)]
            given += ["head.serves"] if "serves" in self.head.model_fields_set else []
            if given:
                raise ValueError(f"{', '.join(given)}: RayService settings, which a RayJob profile doesn't take")
        return self


def load_profile(path: str | Path) -> Profile:
    return Profile.model_validate(yaml.safe_load(Path(path).read_text()))
