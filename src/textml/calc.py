"""The import path KubeRay's sample config uses (`textml.calc:serve_dag`); the application is in
textml/apps/calc.py."""

from textml.apps.calc import app, serve_dag  # noqa: F401
