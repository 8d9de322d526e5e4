"""The import path users deploy (`textml.text_ml:app`); the application is in textml/apps/text_ml.py."""

from textml.apps.text_ml import Summarizer, Translator, app  # noqa: F401
