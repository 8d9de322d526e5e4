"""Keys of a serveConfigV2 that Serve accepts but ignores: Ray's Serve schema drops unknown keys at most levels
(pydantic's default), so `num_replica: 2` passes and runs one replica. Each one found is named with the key
Serve knows that was probably meant: the same key at its right level, its new name, or the closest spelling."""

import difflib
import re
import typing
from functools import lru_cache

from pydantic import BaseModel
from ray.runtime_env import RuntimeEnv
from ray.serve.schema import ServeDeploySchema

from textml.k8s.findings import Finding

# Old names Serve no longer reads (ray #61439's neighbours: the old name passes the schema and is dropped).
RENAMED = {
    "max_concurrent_queries": "max_ongoing_requests",
    "target_num_ongoing_requests_per_replica": "target_ongoing_requests",
}
# Levels by the names users know them, for "belongs in ...".
LEVELS = {
    "": "the top level of serveConfigV2",
    "applications[]": "each application (applications[])",
    "applications[].deployments[]": "each deployment (applications[].deployments[])",
    "applications[].deployments[].ray_actor_options": "a deployment's ray_actor_options",
    "applications[].deployments[].autoscaling_config": "a deployment's autoscaling_config",
}


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models inside an annotation (Optional, Union, List...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models(arg)]


def _is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (list, typing.List) or any(_is_list(arg) for arg in typing.get_args(annotation))  # noqa: UP006


def _keys(model: type[BaseModel]) -> dict[str, object]:
    return {field.alias or name: field.annotation for name, field in model.model_fields.items()}


@lru_cache(maxsize=1)
def known_levels() -> dict[str, set[str]]:
    """Every level of a Serve config ("applications[].deployments[]") with the keys Serve reads there."""
    return {level: keys for level, (keys, _) in _levels().items()}


@lru_cache(maxsize=1)
def _levels() -> dict[str, tuple[set[str], bool]]:
    """Each level's keys, and whether its model refuses other keys (extra="forbid") instead of dropping them."""
    levels: dict[str, tuple[set[str], bool]] = {}

    def walk(model, level):
        if level in levels:
            return
        levels[level] = (set(_keys(model)), model.model_config.get("extra") == "forbid")
        for key, annotation in _keys(model).items():
            for sub in _models(annotation):
                walk(sub, f"{level}.{key}".lstrip(".") + ("[]" if _is_list(annotation) else ""))

    walk(ServeDeploySchema, "")
    return levels


def _suggestion(key: str, level: str) -> str:
    levels = known_levels()
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
    if snake != key and snake in levels[level]:
        return f"serveConfigV2 is snake_case: write {snake}"
    if key in RENAMED and RENAMED[key] in levels[level]:
        return f"that is the old name: write {RENAMED[key]}"
    if key == "max_ongoing_requests" and level.endswith("autoscaling_config"):
        return "move it up to the deployment: inside autoscaling_config Serve ignores it and keeps 5 (ray #61439)"
    elsewhere = [other for other, keys in levels.items() if key in keys and other != level]
    if elsewhere:
        where = elsewhere[0]
        return f"Serve reads {key} at {LEVELS.get(where, where)}, not here: move it there"
    close = difflib.get_close_matches(key, sorted(levels[level]), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    return f"remove it; Serve reads {', '.join(sorted(levels[level]))} here"


def unknown_keys(config: dict, field: str = "spec.serveConfigV2") -> list[Finding]:
    """Each key Serve would ignore, at every level; runtime_env keys Ray doesn't know (a plugin may) warn."""
    findings = []

    def walk(value, level: str, where: str):
        if not isinstance(value, dict):
            return
        known, refused = _levels()[level]
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            if key not in known:
                problem = (
                    f"Serve refuses the unknown key {key!r} (the whole config fails)"
                    if refused
                    else f"Serve's schema accepts {key!r} here and then ignores it"
                )
                findings.append(Finding("error", f"{field}.{path}", problem, _suggestion(key, level)))
                continue
            if key == "runtime_env" and isinstance(item, dict):
                findings.extend(_runtime_env_keys(item, f"{field}.{path}"))
            sub = f"{level}.{key}".lstrip(".")
            if isinstance(item, list) and f"{sub}[]" in known_levels():
                for index, element in enumerate(item):
                    walk(element, f"{sub}[]", f"{path}[{index}]")
            elif sub in known_levels():
                walk(item, sub, path)

    walk(config, "", "")
    return findings


def _runtime_env_keys(runtime_env: dict, field: str) -> list[Finding]:
    known = sorted(RuntimeEnv.known_fields)
    return [
        Finding(
            "warning",
            f"{field}.{key}",
            f"Ray knows no runtime_env field {key!r} and ignores it unless a runtime_env plugin reads it",
            f"did you mean {close[0]}?" if (close := difflib.get_close_matches(key, known, n=1)) else "remove it",
        )
        for key in runtime_env
        if key not in RuntimeEnv.known_fields
    ]
