"""`http_options.request_timeout_s` is honoured: a request that would wait longer gets a 408 at the timeout,
and the service answers again afterwards."""

import copy
import time

from conftest import REQUEST_TIMEOUT_S
from serve_cluster import post
from test_text_ml import TEXT
from textml.serve_config import deployment


def test_request_timeout_is_honoured(cluster, base_config, redeploy):
    config = copy.deepcopy(base_config)
    # A lone request now waits 3x the timeout for its batch to fill.
    deployment(config, "text_ml_app", "Translator")["user_config"].update(
        max_batch_size=16, batch_wait_timeout_s=3 * REQUEST_TIMEOUT_S)
    redeploy(config)
    started = time.monotonic()
    response = post("/summarize_translate", TEXT, timeout=6 * REQUEST_TIMEOUT_S)
    waited = time.monotonic() - started
    print(f"answered {response.status_code} after {waited:.1f} s (request_timeout_s {REQUEST_TIMEOUT_S})")
    assert response.status_code == 408, response.text
    assert REQUEST_TIMEOUT_S <= waited < 2 * REQUEST_TIMEOUT_S
