"""A client for a running text_ml_app: `textml translate` and `textml summarize`."""

import os

import requests

DEFAULT_URL = os.environ.get("TEXTML_URL", "http://127.0.0.1:8000/summarize_translate")


class ClientError(Exception):
    """The service could not be reached, or refused the request: one line saying which."""


def call(url: str, route: str, body: dict, timeout_s: float = 120) -> dict:
    target = f"{url.rstrip('/')}{route}"
    try:
        response = requests.post(target, json=body, timeout=timeout_s)
    except requests.ConnectionError:
        raise ClientError(f"nothing answers at {target}: start the service with `textml up`, or pass --url") from None
    except requests.Timeout:
        raise ClientError(f"no answer from {target} within {timeout_s:.0f} s") from None
    if response.status_code != 200:
        try:
            message = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            message = response.text.strip()[:200] or response.reason
        raise ClientError(f"{response.status_code} from {target}: {message}")
    return response.json()


def translate(url: str, text: str, language: str | None) -> dict:
    return call(url, "/translate", {"text": text, **({"language": language} if language else {})})


def summarize(url: str, text: str, min_length: int | None, max_length: int | None) -> dict:
    lengths = {k: v for k, v in (("min_length", min_length), ("max_length", max_length)) if v is not None}
    return call(url, "/summarize", {"text": text, **lengths})


def summarize_translate(url: str, text: str, language: str | None) -> dict:
    return call(url, "/summarize-translate", {"text": text, **({"language": language} if language else {})})
