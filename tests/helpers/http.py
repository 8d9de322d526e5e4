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


# Serve's proxy holds a request at most this long (http_options.request_timeout_s in the committed config).
REQUEST_TIMEOUT_S = 60


def answer_of_a_failed_deployment(route: str, body) -> requests.Response:
    """What Serve's proxy answers while text_ml_app is DEPLOY_FAILED: 503 naming the deployment, at once; or,
    where the proxy was not told the deployment failed (Ray 2.60 broadcasts a deployment's availability only
    with a change of its running replicas, and the failed replicas may all have stopped before the update was
    marked failed: seen with the code before and after textml's multi-model change), 408 at request_timeout_s.
    Never a hang, never another status."""
    response = post(route, body, timeout=REQUEST_TIMEOUT_S + 15)
    assert response.status_code in (503, 408), (response.status_code, response.text)
    if response.status_code == 503:
        assert "Translator" in response.text and "failed to deploy" in response.text, response.text
    return response
