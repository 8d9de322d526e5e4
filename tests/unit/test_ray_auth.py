"""A Ray cluster with token auth on (as a local `serve run` or `ray.init` starts one): textml finds its token where
Ray's clients do and sends it only to a dashboard that asks for it, and a refusal is one line saying what to do.

The dashboard here is a stand-in that checks the token as Ray 2.60's does (401 without one, 403 for a wrong one):
Ray's own ServeSubmissionClient talks to it."""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from textml._ray import ray_auth_token
from textml.cli import local
from textml.cli.local import ServiceError, auth_problem, connect, dashboard_client

TOKEN = "0123abcd" * 8


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token anywhere Ray's loader looks: not in the environment, not in ~/.ray."""
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_no_token_anywhere(no_token):
    assert ray_auth_token() is None


def test_the_token_in_home_ray_auth_token(no_token):
    (no_token / ".ray").mkdir()
    (no_token / ".ray" / "auth_token").write_text(TOKEN + "\n")
    assert ray_auth_token() == TOKEN


def test_ray_auth_token_path_comes_before_home(no_token, monkeypatch):
    (no_token / ".ray").mkdir()
    (no_token / ".ray" / "auth_token").write_text("from-home")
    (no_token / "elsewhere").write_text("from-path")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(no_token / "elsewhere"))
    assert ray_auth_token() == "from-path"


def test_the_environment_comes_first(no_token, monkeypatch):
    (no_token / "elsewhere").write_text("from-path")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(no_token / "elsewhere"))
    monkeypatch.setenv("RAY_AUTH_TOKEN", "from-env")
    assert ray_auth_token() == "from-env"


def test_a_token_path_with_no_file_is_an_error(no_token, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(no_token / "missing"))
    with pytest.raises(ValueError, match="RAY_AUTH_TOKEN_PATH .*missing"):
        ray_auth_token()


@pytest.mark.parametrize(
    "line",
    [
        auth_problem("http://127.0.0.1:8265", token_sent=False),
        auth_problem("http://127.0.0.1:8265", token_sent=True),
        auth_problem("http://127.0.0.1:8265", False, "RAY_AUTH_TOKEN_PATH is set but file cannot be opened: /x"),
    ],
)
def test_a_refusal_is_one_line_saying_what_to_do(line):
    assert "\n" not in line
    assert "the Ray cluster at http://127.0.0.1:8265" in line
    assert "RAY_AUTH_TOKEN" in line and "ray get-auth-token" in line


class Dashboard(BaseHTTPRequestHandler):
    """The two routes ServeSubmissionClient reads, behind Ray's token check."""

    token: str | None = TOKEN
    seen: list

    def do_GET(self):
        self.seen.append(self.headers.get("Authorization"))
        if self.token is not None:
            sent = self.headers.get("Authorization")
            if not sent:
                return self.answer(401, "Unauthorized: Missing authentication token")
            if sent != f"Bearer {self.token}":
                return self.answer(403, "Forbidden: Invalid authentication token")
        if self.path == "/api/ray/version":
            return self.answer(200, json.dumps({"version": "4", "ray_version": "2.60.0", "ray_commit": "x"}))
        return self.answer(200, json.dumps({"applications": {}}))

    def answer(self, status: int, body: str):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def dashboard():
    """The stand-in's address and the Authorization header of each request it got."""
    handler = type("Handler", (Dashboard,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_token_goes_only_to_a_dashboard_that_asks(dashboard, no_token, monkeypatch):
    address, handler = dashboard
    monkeypatch.setenv("RAY_AUTH_TOKEN", TOKEN)
    handler.token = None  # token auth off: the token is never sent
    assert dashboard_client(address).get_serve_details() == {"applications": {}}
    assert handler.seen == [None, None]


def test_a_cluster_with_token_auth_gets_the_token_found_here(dashboard, no_token):
    address, handler = dashboard
    (no_token / ".ray").mkdir()
    (no_token / ".ray" / "auth_token").write_text(TOKEN)  # where a local `serve run` writes it
    assert dashboard_client(address).get_serve_details() == {"applications": {}}
    assert handler.seen == [None, f"Bearer {TOKEN}", f"Bearer {TOKEN}"]


def test_no_token_here_is_one_line(dashboard, no_token):
    address, _ = dashboard
    with pytest.raises(ServiceError) as raised:
        connect(address)
    assert str(raised.value) == auth_problem(address, token_sent=False)


def test_a_wrong_token_is_one_line(dashboard, no_token, monkeypatch):
    address, _ = dashboard
    monkeypatch.setenv("RAY_AUTH_TOKEN", "not-the-token")
    with pytest.raises(ServiceError) as raised:
        connect(address)
    assert str(raised.value) == auth_problem(address, token_sent=True)


def test_up_starts_no_cluster_where_one_refuses(dashboard, no_token, monkeypatch):
    """A dashboard that answers 401 is a cluster: `textml up` says what to do rather than start another."""
    address, _ = dashboard
    monkeypatch.setattr(local, "checked_config", lambda *_: {"applications": []})
    monkeypatch.setattr(local, "DEFAULT_ADDRESS", address)
    monkeypatch.setattr(local, "start_local_ray", lambda *_: pytest.fail("started a cluster"))
    with pytest.raises(ServiceError, match="requires its auth token"):
        local.up("deploy/serve_config.yaml", None, address, 1, None)


def test_the_command_prints_one_line(dashboard, no_token, monkeypatch, capsys):
    from textml.cli.main import main

    address, _ = dashboard
    monkeypatch.setattr(sys, "argv", ["textml"])
    assert main(["status", "--address", address]) == 1
    assert capsys.readouterr().err == f"textml: {auth_problem(address, token_sent=False)}\n"


def test_serve_run_gets_a_local_model_through_a_copy_of_the_config(tmp_path, monkeypatch, capsys):
    """`python -m textml.serve_config ... --model DIR -o COPY`, then `serve run COPY`: the directory by its absolute
    path (a replica's working directory is not this one), and a warning when its weights are random."""
    import yaml

    from helpers.paths import SERVE_CONFIG
    from textml import serve_config

    (tmp_path / "t5-random").mkdir()
    (tmp_path / "t5-random" / "config.json").write_text(json.dumps({"model_type": "t5", "textml_random_weights": True}))
    monkeypatch.chdir(tmp_path)
    serve_config.main([str(SERVE_CONFIG), "--model", "t5-random", "-o", "build/serve_config.yaml"])
    copy = yaml.safe_load((tmp_path / "build" / "serve_config.yaml").read_text())
    assert {entry["user_config"]["model"] for _, entry in serve_config.model_deployments(copy)} == {
        str(tmp_path / "t5-random")
    }
    assert "has RANDOM WEIGHTS" in capsys.readouterr().err
