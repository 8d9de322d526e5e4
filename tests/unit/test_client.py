"""textml.client's retries, against a real local HTTP server: a 503 is tried again after its Retry-After, and
so is a refused connection, while the budget lasts; anything else is answered at once."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from textml.client import pieces, post, translate_document


class Flaky(BaseHTTPRequestHandler):
    """503 with Retry-After: 0 for the first `failures` requests, then 200 echoing the body."""

    failures = 0
    seen = 0

    def do_POST(self):
        type(self).seen += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.seen <= self.failures:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Flaky.seen = 0
    yield server, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_503s_are_retried_after_retry_after(flaky):
    _, url = flaky
    Flaky.failures = 2
    response = post(url, {"text": "hi"}, timeout_s=5)
    assert response.status_code == 200 and json.loads(response.content) == {"text": "hi"}
    assert Flaky.seen == 3


def test_without_a_budget_the_503_is_the_answer(flaky):
    _, url = flaky
    Flaky.failures = 2
    assert post(url, {}, timeout_s=5, retry_budget_s=0).status_code == 503
    assert Flaky.seen == 1


def test_a_refused_connection_is_retried_until_the_budget_ends():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        post(f"http://127.0.0.1:{port}/", {}, timeout_s=1, retry_budget_s=1.5)
    assert 0.7 < time.monotonic() - started < 3


class Translates(BaseHTTPRequestHandler):
    """/translate, upper-casing the text."""

    def do_POST(self):
        text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"]
        segment = {"source": text, "translation": text.upper(), "start": 0, "end": len(text)}
        answer = {"translation": text.upper(), "language": "german", "source": "en", "pivot": None}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({**answer, "segments": [segment]}).encode())

    def log_message(self, *args):
        pass


def test_a_documents_pieces_report_progress_adding_up_to_its_length():
    """Each piece accounts for the whitespace up to the next, and the first and last for the text's edges."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Translates)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    paragraph = " ".join(["It was the best of times."] * 250)
    text = "\n  " + "\n\n\n".join([paragraph] * 5) + "\n\n"
    done: list[int] = []
    lock = threading.Lock()

    def progress(count: int):
        with lock:
            done.append(count)

    try:
        answer = translate_document(f"http://127.0.0.1:{server.server_port}", text, "german", progress)
    finally:
        server.shutdown()
    assert len(done) == len(pieces(text)) > 1 and sum(done) == len(text)
    assert answer["translation"] == text.strip().upper()
