"""The Ray APIs textml uses that Ray does not publish, each behind one function here.

Checked on Ray 2.60.0 (the version pyproject.toml pins). When Ray moves one of these, this file is the
only one to change; tests/unit and the cluster tests exercise each function.
"""

from dataclasses import dataclass
from typing import Any


def deployments_of(import_path: str, args: dict) -> dict[str, Any]:
    """The deployments (name -> class or function) of the application at `import_path`, built as
    `serve deploy` builds it. Ray has no public "build an app from a config entry": `serve build` and the
    controller use these private functions."""
    from ray._common.utils import import_attr
    from ray.serve._private.api import call_user_app_builder_with_args_if_necessary
    from ray.serve._private.build_app import build_app

    app = call_user_app_builder_with_args_if_necessary(import_attr(import_path), args)
    return {d.name: d.func_or_class for d in build_app(app, name=import_path).deployments}


def serve_rest_client(address: str):
    """The client of the dashboard's Serve REST API that `serve deploy` and `serve status` use (Ray ships it
    in ray.dashboard, outside its public API): deploy_applications, get_serve_details,
    delete_applications."""
    from ray.dashboard.modules.serve.sdk import ServeSubmissionClient

    return ServeSubmissionClient(address)


def route_prefix_problem(route_prefix) -> str | None:
    """Why Serve would refuse this app route_prefix, or None. Serve's schema accepts any string and the
    controller checks it only when it applies the config (DEPLOY_FAILED then), with this private function
    (ray.serve._private.utils, checked on Ray 2.60.0)."""
    from ray.serve._private.utils import validate_route_prefix

    try:
        validate_route_prefix(route_prefix)
    except ValueError as error:
        return str(error)
    return None


def deployment_option_update_types() -> dict[str, str]:
    """What Serve does when each DeploymentConfig option changes (LightWeight, NeedsReconfigure,
    NeedsActorReconfigure or HeavyWeight): the `update_type` Serve attaches to each field of its private
    DeploymentConfig, which its DeploymentVersion hashes read (checked on Ray 2.60.0; tests/unit/test_k8s_plan.py
    pins the table)."""
    from ray.serve._private.config import DeploymentConfig

    return {
        name: field.json_schema_extra["update_type"].value
        for name, field in DeploymentConfig.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and "update_type" in field.json_schema_extra
    }


@dataclass(frozen=True)
class DeploymentTarget:
    """A deployment as Serve's controller sets its target from a config."""

    version: Any  # Serve's DeploymentVersion: what its controller compares to restart or reconfigure replicas
    options: dict  # the options that version was made from, as Serve resolved them
    resources: dict  # the Ray resources one replica asks for ({"CPU": 1.0, ...})


@dataclass(frozen=True)
class AppTarget:
    code_version: str  # a different code version rebuilds the app and restarts all its replicas
    deployments: dict[str, DeploymentTarget]
    import_error: str | None = None  # set when the app didn't import here: options set in its code are unknown


def app_targets(config: dict) -> dict[str, AppTarget]:
    """Each application of a Serve config as Serve's controller would apply it: the code version
    (`get_app_code_version`), each deployment built from the code (as `build_serve_application` builds it,
    through the same proto round trip), the config's options laid over it (`override_deployment_info`), the
    logging_config inherited as the controller passes it down, then Serve's own `DeploymentVersion`. All private
    (ray.serve._private), and checked on Ray 2.60.0. Imports each app's code; starts no Ray. Raises ValueError or
    TypeError where Serve would refuse the config."""
    from ray.serve._private.application_state import override_deployment_info
    from ray.serve._private.deploy_utils import get_app_code_version
    from ray.serve.schema import ServeDeploySchema

    schema = ServeDeploySchema.model_validate(config)
    targets = {}
    for app in schema.applications:
        if app.logging_config is None and schema.logging_config:  # ServeController.apply_config
            app.logging_config = schema.logging_config
        code_version = get_app_code_version(app)
        try:
            infos, import_error = _built_infos(app, code_version), None
        except Exception as error:  # whatever importing user code raises: compare the config alone
            infos, import_error = _config_only_infos(app, code_version), f"{type(error).__name__}: {error}"
        deployments = {}
        for name, info in override_deployment_info(infos, app).items():
            # ApplicationState._reconcile_target_deployments: the app's logging_config, where a deployment has none
            if app.logging_config and info.deployment_config.logging_config is None:
                info.deployment_config.logging_config = app.logging_config.model_dump()
            deployments[name] = _target(info)
        targets[app.name] = AppTarget(code_version, deployments, import_error)
    return targets


def _built_infos(app, code_version: str) -> dict:
    from ray._common.utils import import_attr
    from ray.serve._private.api import call_user_app_builder_with_args_if_necessary
    from ray.serve._private.build_app import build_app

    application = call_user_app_builder_with_args_if_necessary(import_attr(app.import_path), app.args)
    built = build_app(application, name=app.name)
    return {
        d.name: _info(d._deployment_config, d._replica_config, code_version, d.name == built.ingress_deployment_name)
        for d in built.deployments
    }


def _config_only_infos(app, code_version: str) -> dict:
    from ray.serve._private.config import DeploymentConfig, ReplicaConfig

    return {
        d.name: _info(DeploymentConfig(), ReplicaConfig.create(_Unknown), code_version, False) for d in app.deployments
    }


class _Unknown:
    """Stands for deployment code that didn't import."""


def _info(deployment_config, replica_config, code_version: str, ingress: bool):
    """A DeploymentInfo as the controller makes one from the build task's proto bytes
    (deploy_utils.get_deploy_args, then deploy_args_to_deployment_info). The round trip also keeps the
    deployment's init args serialized: copying live DeploymentHandles would connect to a Ray cluster."""
    from ray.serve._private.config import DeploymentConfig, ReplicaConfig
    from ray.serve._private.deployment_info import DeploymentInfo

    config = DeploymentConfig.from_proto_bytes(deployment_config.to_proto_bytes())
    config.version = code_version
    replica = ReplicaConfig.from_proto_bytes(replica_config.to_proto_bytes(), config.needs_pickle())
    return DeploymentInfo(
        deployment_config=config,
        replica_config=replica,
        start_time_ms=0,
        deployer_job_id="",
        version=code_version,
        route_prefix="/" if ingress else None,
        ingress=ingress,
    )


def _target(info) -> DeploymentTarget:
    """DeploymentVersion made as DeploymentState makes it (deployment_state.py, DeploymentTargetState)."""
    from ray.serve._private.version import DeploymentVersion

    replica = info.replica_config
    # Where and how the replicas run: both the version and the options read them.
    placement = dict(
        ray_actor_options=replica.ray_actor_options,
        placement_group_bundles=replica.placement_group_bundles,
        placement_group_strategy=replica.placement_group_strategy,
        placement_group_bundle_label_selector=replica.placement_group_bundle_label_selector,
        placement_group_fallback_strategy=replica.placement_group_fallback_strategy,
        max_replicas_per_node=replica.max_replicas_per_node,
        route_prefix=info.route_prefix,
    )
    version = DeploymentVersion(info.version, deployment_config=info.deployment_config, **placement)
    options = info.deployment_config.model_dump(exclude={"version", "user_configured_option_names"}, mode="json")
    options.update(placement)
    return DeploymentTarget(version, options, dict(replica.resource_dict))


def version_change(old: DeploymentTarget, new: DeploymentTarget) -> str:
    """What Serve's controller does to running replicas going from `old` to `new`, by DeploymentVersion's own
    rules: "restart" (requires_actor_restart), "reconfigure" (requires_actor_reconfigure: reconfigure() on
    each replica), "update" (a different version, applied by the controller alone) or "none" (only the target,
    such as the replica count, may differ)."""
    if old.version.requires_actor_restart(new.version):
        return "restart"
    if old.version.requires_actor_reconfigure(new.version):
        return "reconfigure"
    return "update" if old.version != new.version else "none"


# `@serve.multiplexed` keeps its models on the instance under this name (ray/serve/api.py, Ray 2.60.0), in a
# _ModelMultiplexWrapper (ray/serve/multiplex.py) whose LRU bound is fixed when it is made: textml sets the bound
# from user_config and drops models a new config no longer names, without a replica restart.
_MULTIPLEX_ATTRIBUTE = "__serve_multiplex_wrapper"


def multiplexed_models(owner) -> dict:
    """The models `owner`'s multiplexed loader holds now (model id -> model), least recently used first."""
    wrapper = getattr(owner, _MULTIPLEX_ATTRIBUTE, None)
    return dict(wrapper.models) if wrapper else {}


async def bound_multiplexed_models(owner, most: int, keep) -> list[str]:
    """Holds at most `most` models from now on, and unloads those `keep(model_id)` refuses and the least
    recently used past `most` at once; returns the ids unloaded. Serve's router learns the new set on the
    wrapper's next report."""
    wrapper = getattr(owner, _MULTIPLEX_ATTRIBUTE, None)
    if wrapper is None:
        return []
    wrapper.max_num_models_per_replica = most
    dropped = [model_id for model_id in wrapper.models if not keep(model_id)]
    for model_id in dropped:
        wrapper.models.pop(model_id, None)
        wrapper.registered_model_gauge.set(0, tags={"model_id": model_id})
    while len(wrapper.models) > most:
        dropped.append(next(iter(wrapper.models)))
        await wrapper.unload_model_lru()
    if dropped:
        wrapper._push_multiplexed_replica_info = True
    return dropped


def ray_auth_token() -> str | None:
    """The token Ray's own clients send to a cluster with its token auth on, found where `ray get-auth-token`
    finds it, whatever RAY_AUTH_MODE says here: $RAY_AUTH_TOKEN, else the file $RAY_AUTH_TOKEN_PATH names, else
    ~/.ray/auth_token (which a local `ray.init` or `serve run` writes); None when there is none. Ray's loader
    (the private ray._raylet.AuthenticationTokenLoader, checked on Ray 2.60.0) raises when $RAY_AUTH_TOKEN_PATH
    names a missing or empty file, rather than looking further: ValueError here, with its message."""
    from ray._raylet import AuthenticationTokenLoader
    from ray.exceptions import AuthenticationError

    loader = AuthenticationTokenLoader.instance()
    loader.reset_cache()  # it keeps the first token it read, for the life of the process
    try:
        if not loader.has_token(ignore_auth_mode=True):
            return None
        return loader.get_raw_token(ignore_auth_mode=True)
    except AuthenticationError as error:
        raise ValueError(error.message) from None


def serve_rest_client_with_token(address: str, token: str):
    """serve_rest_client for a cluster with Ray's token auth on: each request carries the token as Ray's
    clients send it, `Authorization: Bearer TOKEN` (ray._private.authentication, checked on Ray 2.60.0; the
    dashboard answers 401 without it, 403 to a wrong one, and ServeSubmissionClient raises AuthenticationError
    for both)."""
    from ray.dashboard.modules.serve.sdk import ServeSubmissionClient

    return ServeSubmissionClient(address, headers={"Authorization": f"Bearer {token}"})


def batch_by_model(model_id: str):
    """From here on in the current task, calls into `@serve.batch` methods are for `model_id`: Serve splits each
    batch by the request context's multiplexed_model_id and runs the sub-batches concurrently, each answered when
    its own is done (ray/serve/batching.py `_split_batch_by_model_id`; the context is Serve's internal contextvar,
    immutable, replaced whole; checked on Ray 2.60.0). Call it in a task of its own: the context is the task's."""
    import dataclasses

    from ray.serve import context

    current = context._get_serve_request_context()
    context._serve_request_context.set(dataclasses.replace(current, multiplexed_model_id=model_id))
