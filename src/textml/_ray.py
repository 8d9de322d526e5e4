"""The Ray APIs textml uses that Ray does not publish, each behind one function here.

Checked on Ray 2.60.0 (the version pyproject.toml pins). When Ray moves one of these, this file is the
only one to change; tests/unit and the cluster tests exercise each function.
"""

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
