"""A replica whose engine breaks while its process lives on: the model deployments' check_health (a canary
decode) reports it, Serve replaces the replica, and traffic recovers."""

import time

import ray

from helpers.cluster import PROXY, seconds_until
from helpers.config import TEXT_ML, changed
from helpers.texts import TEXT
from textml.serve_config import deployment
from textml.tools.load import BackgroundLoad


def translator_replicas(cluster) -> list[dict]:
    return cluster.details()["applications"]["text_ml_app"]["deployments"]["Translator"]["replicas"]


def test_broken_engine_is_replaced(cluster, base_config, redeploy, driver):
    config = changed(base_config, TEXT_ML, "Translator", num_replicas=2)
    redeploy(config)
    seconds_until(
        lambda: [r["state"] for r in translator_replicas(cluster)] == ["RUNNING"] * 2, 120, "two RUNNING Translators"
    )
    victim = translator_replicas(cluster)[0]

    def unload_engine(replica_actor) -> bool:
        """Runs inside the replica (defined here so Ray ships it by value): CTranslate2 frees the model, as
        after a device reset. The process and its event loop stay up, so only a check that decodes can tell.
        CTranslate2 may keep the model while a decode runs (its unload_model says so): asked again until it
        is gone, between two batches. True when every engine lost its model."""
        import time

        from ray import serve

        engines = serve.get_replica_context().servable_object.loaded_engines().values()
        deadline = time.monotonic() + 30
        while any(engine.translator.model_is_loaded for engine in engines) and time.monotonic() < deadline:
            for engine in engines:
                engine.translator.unload_model()
            time.sleep(0.001)
        return not any(engine.translator.model_is_loaded for engine in engines)

    with BackgroundLoad(f"{PROXY}/summarize_translate", [TEXT], clients=4, seconds=150, label="text") as load:
        time.sleep(3)
        victim_actor = ray.get_actor(victim["actor_name"], namespace="serve")
        assert ray.get(victim_actor.__ray_call__.remote(unload_engine)), "the engine kept its model for 30 s"
        broken_at = time.monotonic()

        def replaced() -> bool:
            replicas = translator_replicas(cluster)
            return (
                len(replicas) == 2
                and victim["replica_id"] not in {r["replica_id"] for r in replicas}
                and all(r["state"] == "RUNNING" for r in replicas)
            )

        recovered_s = seconds_until(replaced, 90, "the broken replica replaced by a RUNNING one", poll_s=0.2)
        failed_while_broken = load.outcomes.failed
        time.sleep(8)
    period_s = deployment(config, TEXT_ML, "Translator")["health_check_period_s"]
    print(
        f"broken replica replaced {recovered_s:.1f} s after the fault (health_check_period_s {period_s}); "
        f"{failed_while_broken} failed until then; {load.outcomes}"
    )
    assert load.outcomes.requests > 50, "the load did not run"
    # Requests the broken replica took before Serve replaced it fail; none after.
    assert load.outcomes.failed == failed_while_broken, load.outcomes
    assert set(load.outcomes.statuses) <= {200, 503}, load.outcomes
    assert time.monotonic() - broken_at < 150
