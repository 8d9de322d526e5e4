import os
import tempfile
from pathlib import Path

import pytest
import ray

from serve_cluster import GCS_PORT, GRPC_PORT, HOST, HTTP_PORT, LocalCluster
from textml import serve_config
from tiny_t5 import build_tiny_t5

ROOT = Path(__file__).resolve().parents[1]
SERVE_CONFIG = ROOT / "deploy" / "serve_config.yaml"

# Set before the cluster starts, so its replicas inherit them: no hub, and a fresh CTranslate2 cache.
os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RAY_AUTH_MODE="disabled",
                  TEXTML_CACHE=tempfile.mkdtemp(prefix="textml-cache-"))


CHECKABLE = {"compute_type": "float32", "num_beams": 1}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> tuple[str, str]:
    """Two different small T5 checkpoints, built offline."""
    root = tmp_path_factory.mktemp("models")
    return str(build_tiny_t5(root / "tiny-t5-a", seed=1)), str(build_tiny_t5(root / "tiny-t5-b", seed=2))


@pytest.fixture(scope="session")
def base_config(tiny_models) -> dict:
    """deploy/serve_config.yaml as committed, with the offline model and the test ports.

    Decoding is greedy and CTranslate2 computes in float32: there it gives exactly transformers' tokens
    (test_engines.py), so every answer can be checked against the checkpoint run directly with transformers.
    """
    config = serve_config.with_overrides(serve_config.load(SERVE_CONFIG), model=tiny_models[0], host=HOST,
                                         port=HTTP_PORT, grpc_port=GRPC_PORT)
    for name in serve_config.MODEL_DEPLOYMENTS["text_ml_app"]:
        serve_config.deployment(config, "text_ml_app", name)["user_config"].update(CHECKABLE)
    return config


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
    ray.init(address=f"{HOST}:{GCS_PORT}", log_to_driver=False)
    yield
    ray.shutdown()


def pytest_collection_modifyitems(items):
    """Tests that start and `ray stop` a cluster of their own run first, before the session's cluster exists
    (`ray stop` stops every Ray cluster on the machine). The test that restarts the GCS runs last: every other
    test gets a cluster whose GCS never restarted (in one CI run, a node joining after the restart timed out
    registering)."""
    def order(item) -> int:
        if item.get_closest_marker("before_cluster"):
            return 0
        return 2 if item.get_closest_marker("restarts_gcs") else 1

    items.sort(key=order)
