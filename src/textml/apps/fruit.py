"""fruit_app: the fruit market of KubeRay's RayService quick start.

POST ["MANGO", 2] to /fruit -> 6. Deployment and user_config names match the sample,
so an existing serveConfigV2 works by changing only its import_path.
"""

from typing import Annotated, Literal, NamedTuple, Union

from pydantic import Field, StrictFloat, StrictInt, TypeAdapter
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request

from textml.transport.bodies import read_json
from textml.transport.errors import RETRYABLE, Refusal, refusal_for

Amount = Annotated[Union[StrictInt, StrictFloat], Field(ge=0, allow_inf_nan=False)]


class Order(NamedTuple):
    fruit: Literal["MANGO", "ORANGE", "PEAR"]
    amount: Amount


ORDER = TypeAdapter(Order)


class FruitStand:
    """Quotes price * amount; the price comes from user_config and changes in place."""

    DEFAULT_PRICE: float = 0

    def __init__(self):
        self.price = self.DEFAULT_PRICE

    def reconfigure(self, config: dict):
        self.price = config.get("price", self.DEFAULT_PRICE)

    def check_price(self, amount: float) -> float:
        return self.price * amount


@serve.deployment(user_config={"price": 3})
class MangoStand(FruitStand):
    DEFAULT_PRICE = 3


@serve.deployment(user_config={"price": 2})
class OrangeStand(FruitStand):
    DEFAULT_PRICE = 2


@serve.deployment(user_config={"price": 1})
class PearStand(FruitStand):
    DEFAULT_PRICE = 1


@serve.deployment
class FruitMarket:
    def __init__(
        self,
        mango_stand: DeploymentHandle,
        orange_stand: DeploymentHandle,
        pear_stand: DeploymentHandle,
    ):
        self.directory = {"MANGO": mango_stand, "ORANGE": orange_stand, "PEAR": pear_stand}

    async def check_price(self, fruit: str, amount: float) -> float:
        return await self.directory[fruit].check_price.remote(amount)

    async def __call__(self, request: Request):
        try:
            order = await read_json(request, ORDER, Order._fields)
            return await self.check_price(order.fruit, order.amount)
        except (Refusal, *RETRYABLE) as error:  # a bad body (4xx), or a stand lost with its node (503: retry)
            return refusal_for(error).response()


app = FruitMarket.bind(MangoStand.bind(), OrangeStand.bind(), PearStand.bind())
# The name KubeRay's sample config imports.
deployment_graph = app
