"""fruit_app and math_app answer as KubeRay's RayService quick start shows, and change in place."""

import pytest
import yaml

from helpers.cluster import DASHBOARD, run
from helpers.config import changed
from helpers.http import post


@pytest.mark.parametrize(
    "order, price",
    [(["MANGO", 2], 6), (["ORANGE", 2], 4), (["PEAR", 2], 2), (["MANGO", 2.5], 7.5), (["PEAR", 0], 0)],
)
def test_fruit_market_quotes_price(cluster, order, price):
    response = post("/fruit", order)
    assert response.status_code == 200, response.text
    assert response.json() == price


@pytest.mark.parametrize(
    "calculation, answer",
    [(["MUL", 3], "15 pizzas please!"), (["ADD", 3], "6 pizzas please!"), (["ADD", -1.5], "1.5 pizzas please!")],
)
def test_calculator_orders_pizzas(cluster, calculation, answer):
    response = post("/calc", calculation)
    assert response.status_code == 200, response.text
    assert response.text == f'"{answer}"'


def test_serve_status_shows_every_app_running(cluster):
    status = yaml.safe_load(run("serve", "status", "-a", DASHBOARD).stdout)
    apps = status["applications"]
    assert {name: app["status"] for name, app in apps.items()} == {
        "text_ml_app": "RUNNING",
        "fruit_app": "RUNNING",
        "math_app": "RUNNING",
    }
    for app in apps.values():
        assert all(d["status"] == "HEALTHY" for d in app["deployments"].values()), app


def test_user_config_change_applies_in_place(cluster, base_config, redeploy):
    mango_before = cluster.replicas("fruit_app", "MangoStand")
    multiplier_before = cluster.replicas("math_app", "Multiplier")

    config = changed(base_config, "fruit_app", "MangoStand", user_config={"price": 4})
    redeploy(changed(config, "math_app", "Multiplier", user_config={"factor": 3}))

    assert post("/fruit", ["MANGO", 2]).json() == 8
    assert post("/calc", ["MUL", 3]).json() == "9 pizzas please!"
    # Same actors, same processes: reconfigured, not restarted.
    assert cluster.replicas("fruit_app", "MangoStand") == mango_before
    assert cluster.replicas("math_app", "Multiplier") == multiplier_before
