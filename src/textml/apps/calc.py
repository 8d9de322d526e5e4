"""math_app: the calculator of KubeRay's RayService quick start.

POST ["MUL", 3] to /calc -> "15 pizzas please!"; ["ADD", 3] -> "6 pizzas please!".
"""

from typing import Annotated, Literal, NamedTuple, Union

from pydantic import Field, StrictFloat, StrictInt, TypeAdapter
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request
from starlette.responses import JSONResponse

from textml.transport.bodies import read_json
from textml.transport.errors import RETRYABLE, Refusal, refusal_for

Number = Annotated[Union[StrictInt, StrictFloat], Field(allow_inf_nan=False)]


class Calculation(NamedTuple):
    operation: Literal["ADD", "MUL"]
    amount: Number


CALCULATION = TypeAdapter(Calculation)


@serve.deployment(user_config={"increment": 3})
class Adder:
    def __init__(self):
        self.increment = 3

    def reconfigure(self, config: dict):
        self.increment = config.get("increment", 3)

    def add(self, amount: float) -> float:
        return amount + self.increment


@serve.deployment(user_config={"factor": 5})
class Multiplier:
    def __init__(self):
        self.factor = 5

    def reconfigure(self, config: dict):
        self.factor = config.get("factor", 5)

    def multiply(self, amount: float) -> float:
        return amount * self.factor


@serve.deployment
class Router:
    def __init__(self, adder: DeploymentHandle, multiplier: DeploymentHandle):
        self.adder = adder
        self.multiplier = multiplier

    async def __call__(self, request: Request):
        try:
            operation, amount = await read_json(request, CALCULATION, Calculation._fields)
            if operation == "ADD":
                result = await self.adder.add.remote(amount)
            else:
                result = await self.multiplier.multiply.remote(amount)
        except (Refusal, *RETRYABLE) as error:  # a bad body (4xx), or a replica lost with its node (503: retry)
            return refusal_for(error).response()
        # A JSON string, as the quick start shows it: "15 pizzas please!"
        return JSONResponse(f"{result} pizzas please!")


app = Router.bind(Adder.bind(), Multiplier.bind())
# The name KubeRay's sample config imports.
serve_dag = app
