"""What Ray Serve does when a new serveConfigV2 is applied over the running one: for each application and each
deployment, decided by Serve's own rules (its app code version and DeploymentVersion, through textml._ray)."""

from textml._ray import AppTarget, app_targets, deployment_option_update_types, version_change

# Options of a deployment that only set how many replicas run.
SCALING = {"num_replicas", "autoscaling_config"}
# Replica options outside DeploymentConfig: DeploymentVersion.requires_actor_restart compares them.
RESTARTING = {
    "ray_actor_options",
    "placement_group_bundles",
    "placement_group_strategy",
    "placement_group_bundle_label_selector",
    "placement_group_fallback_strategy",
    "max_replicas_per_node",
}
# serve_head.put_all_applications: a running Serve keeps these (it only logs "The new HTTP config is ignored").
IGNORED_WHEN_RUNNING = ("http_options", "grpc_options", "proxy_location", "controller_options")
RULE_CODE_VERSION = (
    "ray/serve/_private/deploy_utils.py:get_app_code_version: import_path, runtime_env, args, autoscaling "
    "policies, request routers and deployment actors make the app's code version; a new one rebuilds the app and "
    "restarts every replica (application_state.py:ApplicationState.apply_app_config)"
)
RULE_VERSION = (
    "ray/serve/_private/version.py:DeploymentVersion: requires_actor_restart (ray_actor_options, placement group, "
    "max_replicas_per_node) restarts replicas; other options are applied to the running replicas "
    "(deployment_state.py:_stop_or_update_outdated_version_replicas)"
)
RULE_DELETED = (
    "application_state.py:ApplicationStateManager.apply_app_configs: an app missing from the config is deleted"
)
RULE_FRESH = (
    "a new cluster gets only the new serveConfigV2 (rayservice_controller.go:reconcileServe; KubeRay e2e "
    "TestUpdateServeConfigAndRayClusterSpec): every replica starts fresh there, and the old cluster keeps the old "
    "config until the switch"
)


def _changed_options(old, new) -> list[str]:
    """Options whose resolved values differ, each with what Serve does about it: the update type Serve gives a
    DeploymentConfig field; "restart" for the replica options DeploymentVersion restarts on; the app's route_prefix
    goes into the reconfigure hash (version.py:compute_hashes)."""
    kinds = {**dict.fromkeys(RESTARTING, "restart"), "route_prefix": "NeedsActorReconfigure"}
    kinds |= deployment_option_update_types()
    names = sorted(key for key in {*old.options, *new.options} if old.options.get(key) != new.options.get(key))
    return [f"{name} ({kinds.get(name, 'other')})" for name in names]


def deployment_action(old, new, target_capacity_changed: bool = False) -> tuple[str, list[str]]:
    """unchanged, reconfigured (user_config, in place), scaled (replica counts, autoscaling), updated (other options,
    in place) or restarted (a new version), with the options that changed."""
    changed = _changed_options(old, new)
    names = {change.split(" ")[0] for change in changed}
    change = version_change(old, new)
    if change == "none":  # e.g. autoscaling bounds: Serve hashes only its metrics_interval_s and look_back_period_s
        changed = [f"{name} (LightWeight)" for name in sorted(names)]
    if change == "restart":
        return "restarted", changed
    if "user_config" in names:
        return "reconfigured", changed
    if names and names <= SCALING:
        return "scaled", changed
    if names or change != "none":
        return "updated", changed
    if target_capacity_changed:
        return "scaled", ["target_capacity (LightWeight)"]
    return "unchanged", []


def _app_changes(old: dict, new: dict) -> list[str]:
    return sorted(key for key in {*old, *new} if key not in ("deployments", "name") and old.get(key) != new.get(key))


def plan_serve(current: dict, new: dict, fresh: bool = False) -> dict:
    """The applications part of the plan, for Serve configs `current` (running) and `new`. `fresh`: the new config
    goes to a new cluster, where every replica starts anew."""
    old_targets, new_targets = app_targets(current), app_targets(new)
    old_apps = {app["name"]: app for app in current.get("applications", [])}
    new_apps = {app["name"]: app for app in new.get("applications", [])}
    capacity_changed = current.get("target_capacity") != new.get("target_capacity")
    applications = {}
    for name in [*new_apps, *(n for n in old_apps if n not in new_apps)]:
        if name not in old_apps:
            applications[name] = {"action": "added", "deployments": {}, "changes": {}}
        elif name not in new_apps:
            applications[name] = {"action": "deleted", "deployments": {}, "changes": {}}
        else:
            applications[name] = _plan_app(
                old_targets[name], new_targets[name], old_apps[name], new_apps[name], fresh, capacity_changed
            )
    notes = [
        f"{name}: didn't import here ({target.import_error}): options its code sets are unknown, so its deployments "
        "are compared on the config alone"
        for name, target in new_targets.items()
        if target.import_error
    ]
    ignored = [
        f"{key}: a running Serve keeps the one it started with (serve_head.py:put_all_applications only logs a "
        "warning); it takes effect on a new cluster"
        for key in IGNORED_WHEN_RUNNING
        if not fresh and current.get(key) != new.get(key)
    ]
    if current.get("tracing_config") != new.get("tracing_config"):
        notes.append("tracing_config: picked up by replicas and proxies started after the change")
    rules = [RULE_FRESH] if fresh else [RULE_CODE_VERSION, RULE_VERSION]
    if not fresh and set(old_apps) - set(new_apps):
        rules.append(RULE_DELETED)
    return {"applications": applications, "rules": rules, "ignored": ignored, "notes": notes}


def _plan_app(
    old: AppTarget, new: AppTarget, old_app: dict, new_app: dict, fresh: bool, capacity_changed: bool
) -> dict:
    changes = {"(application)": _app_changes(old_app, new_app)} if _app_changes(old_app, new_app) else {}
    deployments, redeployed = {}, fresh or old.code_version != new.code_version
    for name, target in new.deployments.items():
        previous = old.deployments.get(name)
        if previous is None or redeployed:
            deployments[name] = "restarted"
            changed = _changed_options(previous, target) if previous else []
        else:
            deployments[name], changed = deployment_action(previous, target, capacity_changed)
        if changed:
            changes[name] = changed
    if redeployed:
        action = "redeployed"
    elif changes or any(action != "unchanged" for action in deployments.values()):
        action = "updated"
    else:
        action = "unchanged"
    return {"action": action, "deployments": deployments, "changes": changes}
