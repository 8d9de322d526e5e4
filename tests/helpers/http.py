"""HTTP to the test cluster's Serve proxy."""

import requests

from helpers.cluster import PROXY

TEXT_ML_ROUTE = "/summarize_translate"


def post(route: str, body, **kwargs) -> requests.Response:
    """POSTs `body` as JSON to `route` of the proxy."""
    kwargs.setdefault("timeout", 60)
    return requests.post(f"{PROXY}{route}", json=body, **kwargs)


def ok(route: str, body) -> dict:
    """The JSON answer of a typed text_ml_app route (e.g. "/translate"), which must be 200."""
    response = post(f"{TEXT_ML_ROUTE}{route}", body)
    assert response.status_code == 200, response.text
    return response.json()
