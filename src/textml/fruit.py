"""The import path KubeRay's sample config uses (`textml.fruit:deployment_graph`); the application is in
textml/apps/fruit.py."""

from textml.apps.fruit import app, deployment_graph  # noqa: F401
