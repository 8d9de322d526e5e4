"""text_ml_app over gRPC (src/textml/protos/text_ml.proto), through Serve's gRPC proxy.

Serve calls these methods on the ingress deployment by name, passing the context as `grpc_context`.
Each reads its request with the JSON API's schema and calls the same TextService as the HTTP routes, within
the deadline the metadata x-request-timeout-s asks for, once the replica's gate admits the key in the metadata
`authorization` (where keys are required); a refusal sets the gRPC code that transport/errors.py gives it
(INVALID_ARGUMENT naming the problem, UNAVAILABLE when busy or broken, DEADLINE_EXCEEDED, UNAUTHENTICATED,
RESOURCE_EXHAUSTED).
"""

import logging
from typing import Awaitable, Callable

import grpc
from ray.serve.grpc_util import RayServegRPCContext

from textml.access.gate import Gate
from textml.protos.text_ml_pb2 import (
    DetectReply,
    LanguagesReply,
    SummarizeReply,
    SummarizeTranslateReply,
    TranslateReply,
)
from textml.service import schema
from textml.service.text_service import TextService
from textml.transport.credentials import from_authorization
from textml.transport.deadlines import HEADER, deadline, requested
from textml.transport.errors import Refusal, refusal_for

logger = logging.getLogger("ray.serve")


async def answered(grpc_context: RayServegRPCContext, answer: Callable[[], Awaitable], empty, gate: Gate | None):
    """The reply `answer()` builds for a caller the gate admits by the metadata `authorization`, or `empty` after
    setting the refusal's code and message."""
    try:
        metadata = dict(grpc_context.invocation_metadata())
        if gate is not None:
            await gate.admit(from_authorization(metadata.get("authorization")))
        async with deadline(requested(metadata.get(HEADER))):
            return await answer()
    except Exception as error:
        refusal = refusal_for(error)
        if refusal is None:  # a bug: its traceback goes to the replica's log, never to the client
            logger.exception("gRPC method failed")
            refusal = Refusal(500, "internal error; the replica's log has the details", grpc.StatusCode.INTERNAL)
        grpc_context.set_code(refusal.grpc_code)
        grpc_context.set_details(refusal.message)
        return empty


class TextMLServicer:
    """The methods of textml.TextML, for the deployment that holds the `service`."""

    service: TextService
    gate: Gate

    async def Translate(self, request, grpc_context: RayServegRPCContext) -> TranslateReply:
        async def answer():
            body = schema.TranslateRequest(
                text=request.text,
                language=request.language or None,
                source=request.source or None,
                format=request.format or "text",
            )
            translate = self.service.translate_markup if body.format == "html" else self.service.translate
            [translation] = await translate([body.text], body.language, body.source)
            return TranslateReply(**translation.model_dump(exclude_none=True))

        return await answered(grpc_context, answer, TranslateReply(), self.gate)

    async def Summarize(self, request, grpc_context: RayServegRPCContext) -> SummarizeReply:
        async def answer():
            lengths = {name: getattr(request, name) for name in ("min_length", "max_length") if request.HasField(name)}
            body = schema.SummarizeRequest(text=request.text, **lengths)
            [summary] = await self.service.summarize([body.text], **body.lengths())
            return SummarizeReply(**summary.model_dump())

        return await answered(grpc_context, answer, SummarizeReply(), self.gate)

    async def SummarizeTranslate(self, request, grpc_context: RayServegRPCContext) -> SummarizeTranslateReply:
        async def answer():
            body = schema.SummarizeTranslateRequest(
                text=request.text, language=request.language or None, source=request.source or None
            )
            [result] = await self.service.summarize_translate([body.text], body.language, body.source)
            return SummarizeTranslateReply(**result.model_dump(exclude_none=True))

        return await answered(grpc_context, answer, SummarizeTranslateReply(), self.gate)

    async def Languages(self, request, grpc_context: RayServegRPCContext) -> LanguagesReply:
        async def answer():
            return LanguagesReply(languages=[entry.model_dump() for entry in self.service.languages()])

        return await answered(grpc_context, answer, LanguagesReply(), self.gate)

    async def Detect(self, request, grpc_context: RayServegRPCContext) -> DetectReply:
        async def answer():
            body = schema.DetectRequest(text=request.text)
            detections = await self.service.detect(body.text)
            return DetectReply(detections=[d.model_dump() for d in detections])

        return await answered(grpc_context, answer, DetectReply(), self.gate)
