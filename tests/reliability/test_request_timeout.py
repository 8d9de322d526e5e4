"""`http_options.request_timeout_s` is honoured: a request that would wait longer gets a 408 at the timeout,
and the service answers again afterwards."""

import time

from helpers.config import with_translator
from helpers.http import post
from helpers.texts import TEXT


def test_request_timeout_is_honoured(cluster, base_config, redeploy):
    timeout_s = base_config["http_options"]["request_timeout_s"]
    # A lone request now waits 3x the timeout for a batch of 2 to fill.
    redeploy(with_translator(base_config, max_batch_size=2, batch_wait_timeout_s=3 * timeout_s))
    started = time.monotonic()
    response = post("/summarize_translate", TEXT, timeout=6 * timeout_s)
    waited = time.monotonic() - started
    print(f"answered {response.status_code} after {waited:.1f} s (request_timeout_s {timeout_s})")
    assert response.status_code == 408, response.text
    assert timeout_s <= waited < 2 * timeout_s
    # The next request fills the waiting batch: both are decoded, and this one is answered at once.
    assert post("/summarize_translate", TEXT, timeout=timeout_s).status_code == 200
