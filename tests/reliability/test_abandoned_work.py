"""Work nobody waits for is dropped: a request whose client went away, or whose own deadline passed
(X-Request-Timeout-S; a gRPC deadline), stops, and its jobs still waiting for a batch never reach the engine:
in Translator, and in Summarizer behind the handle call. The proof is the engine's own metric of the batches
it decoded (ray_textml_batch_size_count)."""

import threading
import time

import grpc
import pytest
import requests

from helpers.cluster import GRPC_PORT, HOST, PROXY
from helpers.config import TEXT_ML, with_models
from helpers.metrics import scrape, settled, total
from helpers.texts import TEXT
from textml.protos import text_ml_pb2 as messages
from textml.protos.text_ml_pb2_grpc import TextMLStub

# A job waits BATCH_WAIT_S for company before it is decoded: requests given up sooner leave only jobs that
# have not reached the engine yet.
BATCH_WAIT_S = 6
WAITING = {"max_batch_size": 64, "batch_wait_timeout_s": BATCH_WAIT_S}
ROOT_ROUTE = f"{PROXY}/summarize_translate"


def engine_batches() -> tuple[float, float]:
    samples = scrape()
    return tuple(
        total(samples, "ray_textml_batch_size_count", application=TEXT_ML, deployment=name)
        for name in ("Summarizer", "Translator")
    )


@pytest.fixture(scope="module")
def waiting_config(cluster, base_config):
    """The committed config with batches that wait BATCH_WAIT_S, for this module's tests; then the committed one."""
    cluster.deploy(with_models(base_config, **WAITING))
    yield
    cluster.deploy(base_config)


@pytest.fixture
def waiting_engines(waiting_config) -> tuple[float, float]:
    """The engines' batch counts before a test."""
    return settled(engine_batches)


def decoded_since(before: tuple[float, float]) -> dict[str, float]:
    time.sleep(BATCH_WAIT_S)  # past the batches' wait: anything still queued would be decoded by now
    after = settled(engine_batches)
    return {"Summarizer": after[0] - before[0], "Translator": after[1] - before[1]}


def test_requests_whose_clients_left_are_not_decoded(waiting_engines):
    def give_up():
        with pytest.raises(requests.Timeout):
            requests.post(ROOT_ROUTE, json=TEXT, timeout=1)

    clients = [threading.Thread(target=give_up) for _ in range(20)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    decoded = decoded_since(waiting_engines)
    print(f"20 requests abandoned after 1 s; batches decoded since: {decoded}")
    assert decoded == {"Summarizer": 0, "Translator": 0}


def test_a_deadline_answers_504_and_drops_the_work(waiting_engines):
    started = time.monotonic()
    response = requests.post(ROOT_ROUTE, json=TEXT, headers={"X-Request-Timeout-S": "1.5"}, timeout=60)
    waited = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert response.json()["error"] == "the request's deadline of 1.5 s (X-Request-Timeout-S) passed before its answer"
    assert 1.5 <= waited < BATCH_WAIT_S, waited
    assert decoded_since(waiting_engines) == {"Summarizer": 0, "Translator": 0}


@pytest.mark.parametrize("how", ["metadata", "grpc-deadline"])
def test_grpc_deadlines_answer_deadline_exceeded_and_drop_the_work(waiting_engines, how):
    metadata = [("application", TEXT_ML)]
    timeout = 60
    if how == "metadata":
        metadata.append(("x-request-timeout-s", "1.5"))
    else:
        timeout = 1.5  # the client's own gRPC deadline
    with grpc.insecure_channel(f"{HOST}:{GRPC_PORT}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            TextMLStub(channel).SummarizeTranslate(
                messages.SummarizeTranslateRequest(text=TEXT), metadata=metadata, timeout=timeout
            )
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, raised.value
    if how == "metadata":
        assert "deadline of 1.5 s" in raised.value.details()
    assert decoded_since(waiting_engines) == {"Summarizer": 0, "Translator": 0}


def test_a_bad_deadline_is_named(cluster):
    response = requests.post(ROOT_ROUTE, json=TEXT, headers={"X-Request-Timeout-S": "soon"}, timeout=60)
    assert response.status_code == 400
    assert response.json()["error"] == "X-Request-Timeout-S: 'soon' is not a number of seconds above 0"
