"""Fixtures: the offline models, the committed config made local, and the session's Ray cluster.

Tests under tests/unit/ are marked `unit` (`pytest -m unit`: in process, no Ray cluster, seconds);
tests/cluster/ and tests/reliability/ run on a real local Ray cluster that the session starts once.
"""

import os
import sys
import tempfile
from pathlib import Path

import pytest

from helpers.cluster import GCS_PORT, GRPC_PORT, HOST, HTTP_PORT, LocalCluster
from helpers.config import CHECKABLE, TEXT_ML, changed, with_models
from helpers.paths import SERVE_CONFIG
from helpers.tiny_t5 import build_tiny_t5
from textml import serve_config

# Set before the cluster starts, so its replicas inherit them: no hub, and a fresh CTranslate2 cache.
os.environ.update(
    HF_HUB_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    RAY_AUTH_MODE="disabled",
    TEXTML_CACHE=tempfile.mkdtemp(prefix="textml-cache-"),
)

UNIT = Path(__file__).parent / "unit"


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> tuple[str, str]:
    """Two different small T5 checkpoints, built offline."""
    root = tmp_path_factory.mktemp("models")
    return str(build_tiny_t5(root / "tiny-t5-a", seed=1)), str(build_tiny_t5(root / "tiny-t5-b", seed=2))


@pytest.fixture(scope="session")
def base_config(tiny_models) -> dict:
    """deploy/serve_config.yaml as committed, with the offline model and the test ports.

    Decoding is greedy and CTranslate2 computes in float32 (CHECKABLE): every answer can be checked against
    the checkpoint run directly with transformers. One Translator replica (the committed config has two, to
    fill two cores): the tests check what requests, batches and loaded models do in a replica, so they need
    to know which replica answers; those about several replicas set their own count, and `textml up` in the
    README's examples runs the committed two.
    """
    config = serve_config.with_overrides(
        serve_config.load(SERVE_CONFIG), model=tiny_models[0], host=HOST, port=HTTP_PORT, grpc_port=GRPC_PORT
    )
    return changed(with_models(config, **CHECKABLE), TEXT_ML, "Translator", num_replicas=1)


@pytest.fixture(scope="session")
def cluster(base_config):
    """A real local Ray cluster running every app of the committed config."""
    # Logical CPUs: the production manifest asks 1 CPU for each of its 4 model replicas, plus 0.8 for
    # the sample apps, and a rolling update briefly holds old and new replicas together.
    local = LocalCluster().start(num_cpus=8)
    try:
        local.deploy(base_config)
        yield local
    finally:
        local.stop()


@pytest.fixture
def redeploy(cluster, base_config):
    """Deploys a changed config for one test, and the committed one again after it."""
    yield cluster.deploy
    cluster.deploy(base_config)


@pytest.fixture
def driver(cluster):
    """This test process connected to the cluster as a Ray driver, for deployment handles and actors."""
    import ray

    ray.init(address=f"{HOST}:{GCS_PORT}", log_to_driver=False)
    yield
    ray.shutdown()


def pytest_collection_modifyitems(items):
    """Marks tests/unit as `unit`. Tests that start and `ray stop` a cluster of their own run first, before
    the session's cluster exists (`ray stop` stops every Ray cluster on the machine). The test that restarts
    the GCS runs last: every other test gets a cluster whose GCS never restarted (in one CI run, a node joining
    after the restart timed out registering)."""
    for item in items:
        if UNIT in Path(item.fspath).parents:
            item.add_marker(pytest.mark.unit)

    def order(item) -> int:
        if item.get_closest_marker("before_cluster"):
            return 0
        return 2 if item.get_closest_marker("restarts_gcs") else 1

    items.sort(key=order)


def pytest_sessionfinish(session, exitstatus):
    session.config.textml_exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Ends the test process with pytest's own exit status once everything is torn down and reported. The native
    libraries the unit tests load in this process (CTranslate2's and PyTorch's thread pools, gRPC) crashed it at
    interpreter teardown in one fresh-clone run of four here: a segmentation fault after "1140 passed", which
    turned a green run red. Nothing is left to do then but exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(getattr(config, "textml_exit_status", 0))
