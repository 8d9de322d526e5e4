"""In-place updates under load lose nothing: a user_config change, scaling up and down, and a new
deployment version rolled out, while closed-loop clients keep sending."""

import copy
import time

from helpers.cluster import PROXY
from helpers.texts import FRUIT_ORDERS, TEXT
from textml.serve_config import deployment
from textml.tools.load import BackgroundLoad


def test_updates_under_load(cluster, base_config, redeploy):
    config = copy.deepcopy(base_config)
    mango = deployment(config, "fruit_app", "MangoStand")
    translator = deployment(config, "text_ml_app", "Translator")
    events = []

    def apply(name: str):
        started = time.monotonic()
        cluster.deploy(config)
        events.append(f"{name}: {time.monotonic() - started:.1f} s to RUNNING")

    with (
        BackgroundLoad(f"{PROXY}/fruit", FRUIT_ORDERS, clients=6, seconds=240, label="fruit") as fruit,
        BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], clients=2, seconds=240, label="text") as text,
    ):
        time.sleep(3)
        mango["user_config"] = {"price": 4}
        translator["user_config"]["language"] = "german"
        apply("user_config change")
        mango["num_replicas"] = 3
        apply("scale MangoStand 1 -> 3")
        mango["num_replicas"] = 1
        apply("scale MangoStand 3 -> 1")
        # A new version (ray_actor_options changed): Serve replaces the replicas, one rolling update.
        deployment(config, "fruit_app", "FruitMarket")["ray_actor_options"]["num_cpus"] = 0.15
        translator["ray_actor_options"]["num_cpus"] = 0.5
        apply("new version of FruitMarket and Translator")
        time.sleep(3)
    for line in events + [str(fruit.outcomes), str(text.outcomes)]:
        print(line)
    assert fruit.outcomes.requests > 100 and text.outcomes.requests > 20, "the load did not run"
    assert fruit.outcomes.failed == 0, fruit.outcomes
    assert text.outcomes.failed == 0, text.outcomes
