"""A new user's first ten minutes, on a fresh clone, with no model hub, following the README only: `make run`
fails in one line at once saying what to do; the README's offline path (`textml model random`, then `make run
MODEL=...`) serves; every README example runs exactly as written and answers as its comment says; Ctrl-C stops
it (exit 0), and so does SIGTERM. Each step is timed: the README's table comes from these figures.

The clone is `git clone` of this repository (its committed files: README, Makefile, config, .gitignore); its
`.venv` is the venv these tests run in (a link), so `make` runs the Makefile's `run` recipe as written but
skips `setup` (`-o .venv/.installed`: installing a venv takes minutes and the network). No hub: HF_ENDPOINT is
a port nothing answers on, and the Hugging Face cache and textml's CTranslate2 cache start empty. It serves on
the README's port 8000 (and Ray's default dashboard port): it runs before the session's cluster, and skips when
something else holds those ports."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from helpers.paths import ROOT
from helpers.readme import README, as_promised, python_examples, service_examples, shell_examples

pytestmark = pytest.mark.before_cluster

README_TEXT = README.read_text()
PORTS = (8000, 9000, 8265)
MAKE_RUN = ["make", "-o", ".venv/.installed", "run"]  # the Makefile's run recipe, its setup skipped
TIMINGS: dict[str, float] = {}


def _taken(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def user_env(home: Path) -> dict:
    """A shell of a user on a machine without the hub: nothing answers at HF_ENDPOINT, every cache empty. Nor
    does it inherit `make test`'s MAKELEVEL and MAKEFLAGS, which would make `make run` a sub-make (and print
    "Entering directory")."""
    unset = ("HF_", "TRANSFORMERS_", "RAY_", "TEXTML_", "MAKE", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    return env | {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(home / "hf"), "TEXTML_CACHE": str(home / "cache")}


class Session:
    """The user's terminal in the clone: commands run with bash, timed."""

    def __init__(self, clone: Path, env: dict):
        self.clone, self.env = clone, env

    def sh(self, command: str, step: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", command], cwd=self.clone, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if step:
            TIMINGS[step] = time.monotonic() - started
        return result

    def start(self, argv: list[str]) -> tuple[subprocess.Popen, Path]:
        """A foreground command of its own process group, as a terminal runs it; its output goes to a file."""
        log = self.clone / f"build/{argv[-1].replace('/', '_')}-{time.monotonic_ns()}.log"
        log.parent.mkdir(exist_ok=True)
        process = subprocess.Popen(
            argv, cwd=self.clone, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        return process, log

    @staticmethod
    def wait_for_ready(process: subprocess.Popen, log: Path, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while "\nready in " not in "\n" + log.read_text():
            assert process.poll() is None, f"exited {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no ready line in {timeout} s:\n{log.read_text()}"
            time.sleep(0.5)
        return next(line for line in log.read_text().splitlines() if line.startswith("ready in "))

    @staticmethod
    def stopped(process: subprocess.Popen, log: Path, timeout: float = 60) -> int:
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"not stopped within {timeout} s:\n{log.read_text()}") from None


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    if any(map(_taken, PORTS)):
        pytest.skip(f"something already listens on one of {PORTS}: the README's examples need them")
    home = tmp_path_factory.mktemp("new-user")
    clone = home / "textml"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(sys.prefix)
    return Session(clone, user_env(home))


@pytest.fixture(scope="module")
def serving(session):
    """`make run MODEL=models/t5-random` as the README says, until its ready line; Ctrl-C'd at the end."""
    model = session.sh(".venv/bin/textml model random models/t5-random", step="textml model random")
    assert model.returncode == 0, model.stdout + model.stderr
    started = time.monotonic()
    process, log = session.start([*MAKE_RUN, "MODEL=models/t5-random"])
    ready = session.wait_for_ready(process, log)
    TIMINGS["make run MODEL=... to ready"] = time.monotonic() - started
    yield process, log, ready
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


def test_make_run_without_the_hub_fails_in_one_line_saying_what_to_do(session):
    result = session.sh(" ".join(MAKE_RUN), step="make run without the hub: the failure")
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.startswith("textml: ")]
    assert line.startswith(
        "textml: cannot load model 't5-small': the Hugging Face hub (http://127.0.0.1:9) is not reachable"
    )
    for fix in ("make run MODEL=DIR", "textml model prepare", "textml model random", "the textml image"):
        assert fix in line, line
    assert "Traceback" not in result.stderr and TIMINGS["make run without the hub: the failure"] < 15


def test_the_random_model_serves_and_says_it_is_random(session, serving):
    process, log, ready = serving
    assert (
        "text_ml_app: http://127.0.0.1:8000/summarize_translate" in ready
        and "fruit_app: http://127.0.0.1:8000/fruit" in ready
    )
    assert "has RANDOM WEIGHTS: its answers are meaningless" in log.read_text()
    response = requests.post("http://127.0.0.1:8000/summarize_translate/translate", json={"text": "It was"}, timeout=60)
    assert response.headers["X-Textml-Model"] == "random-weights"
    # Built where the README says; git ignores it.
    assert (session.clone / "models/t5-random/README.txt").is_file()
    untracked = session.sh("git status --porcelain").stdout.split("\n")
    assert [line for line in untracked if line and line != "?? .venv"] == [], untracked


def test_rays_token_auth_stays_on_and_textml_status_finds_the_token(session, serving):
    """Ray's own default kept: the dashboard (which runs jobs) refuses a request without the token that the
    local cluster wrote to ~/.ray/auth_token; `textml status` finds it as Ray's clients do."""
    refused = requests.get("http://127.0.0.1:8265/api/serve/applications/", timeout=30)
    assert refused.status_code == 401, refused.text[:200]
    status = session.sh(".venv/bin/textml status")
    assert status.returncode == 0 and "text_ml_app" in status.stdout, status.stdout + status.stderr


@pytest.mark.parametrize("example", service_examples(README_TEXT), ids=lambda e: e.code.split("\n")[0][:60])
def test_readme_shell_example_runs_as_written(session, serving, example):
    result = session.sh(example.code, step=f"example: {example.code.splitlines()[0][:80]}")
    assert result.returncode == 0, result.stderr
    problem = as_promised(result.stdout, example.expected)
    assert problem is None, f"{example.code}\n{problem}"


@pytest.mark.parametrize("example", python_examples(README_TEXT), ids=["python"])
def test_readme_python_example_runs_as_written(session, serving, example):
    script = session.clone / "build/readme_example.py"
    script.write_text(example.code)
    result = session.sh(f".venv/bin/python {script}", step="example: python")
    assert result.returncode == 0, result.stderr
    printed, promised = result.stdout.strip().splitlines(), example.expected.splitlines()
    assert len(printed) == len(promised), result.stdout
    for output, comment in zip(printed, promised, strict=True):
        assert as_promised(output, comment) is None, (output, comment)


def test_readme_kubernetes_examples_run_as_written(session):
    """The commands that need no cluster, in their order: check (no CRD file in the clone: every check but the
    schema's), a scratch folder, the running manifest, a change, and the plan that names it."""
    starts = (".venv/bin/textml k8s", "git show", "mkdir -p build", "sed ")
    commands = [e.code for e in shell_examples(README_TEXT) if e.code.startswith(starts)]
    assert len(commands) == 5, commands
    for command in commands:
        result = session.sh(command)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert "reconfigured" in result.stdout and "MangoStand" in result.stdout, result.stdout


def test_ctrl_c_stops_make_run_cleanly(serving):
    """textml run exits 0: make says nothing (it names a recipe that failed or was killed: `make: *** ...`),
    then ends by the SIGINT it got itself, as GNU make always does (the shell's 130)."""
    process, log, _ = serving
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: the whole foreground group
    assert Session.stopped(process, log) in (0, -signal.SIGINT), log.read_text()
    TIMINGS["Ctrl-C to exit"] = time.monotonic() - started
    output = log.read_text()
    assert output.rstrip().endswith("stopped") and "Traceback" not in output and "***" not in output, output


def test_sigterm_stops_textml_run_with_exit_0(session, serving):
    """What make runs, terminated as a process manager does: exit 0, no stack trace (serve run's exits 2)."""
    process, log = session.start([".venv/bin/textml", "run", "--model", "models/t5-random"])
    session.wait_for_ready(process, log)
    process.send_signal(signal.SIGTERM)
    assert Session.stopped(process, log) == 0, log.read_text()
    assert "Traceback" not in log.read_text() and "SIGTERM" not in log.read_text(), log.read_text()
    print("\nthe first ten minutes, here:")
    for step, seconds in TIMINGS.items():
        print(f"  {seconds:6.1f} s  {step}")
