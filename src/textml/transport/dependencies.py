"""What a route of text_ml_app gets from the replica answering it."""

from typing import Annotated

from fastapi import Depends
from ray import serve

from textml.service.text_service import TextService


def text_service() -> TextService:
    """The service of the replica answering: the ingress deployment holds it as `service`."""
    return serve.get_replica_context().servable_object.service


Service = Annotated[TextService, Depends(text_service)]
