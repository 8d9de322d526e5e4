"""A cluster profile: what a RayService needs beyond the Serve config (image, pods, replicas, HA)."""

from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resources(Strict):
    """Requests equal limits: a replica's CPU threads are the cores it was promised."""

    cpu: str
    memory: str


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


class Profile(Strict):
    name: str
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


def load_profile(path: str | Path) -> Profile:
    return Profile.model_validate(yaml.safe_load(Path(path).read_text()))
