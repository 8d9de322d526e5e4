"""A cluster profile: what a RayService needs beyond the Serve config (image, pods, replicas, HA)."""

from pathlib import Path
from typing import Optional

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


def load_profile(path: str | Path) -> Profile:
    return Profile.model_validate(yaml.safe_load(Path(path).read_text()))
