"""text_ml_app over gRPC (src/textml/protos/text_ml.proto), through Serve's gRPC proxy.

The ingress deployment (Translator) takes these methods: each checks its request with the JSON API's schema (INVALID_ARGUMENT
naming the problem) and answers through the same route code; a busy or broken service answers UNAVAILABLE.
"""

import grpc
from pydantic import ValidationError
from ray.serve.grpc_util import RayServegRPCContext

from textml import api_schema
from textml.http import describe_errors
from textml.model_deployment import RETRYABLE, retry_message
from textml.protos.text_ml_pb2 import SummarizeReply, SummarizeTranslateReply, TranslateReply


def _parsed(schema, grpc_context: RayServegRPCContext, **fields):
    """The request as the JSON API's schema reads it, or None after setting INVALID_ARGUMENT."""
    try:
        return schema(**fields)
    except ValidationError as error:
        grpc_context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
        grpc_context.set_details(describe_errors(error.errors(include_url=False)))
        return None


async def _answered(grpc_context: RayServegRPCContext, call):
    try:
        return await call
    except RETRYABLE as error:
        grpc_context.set_code(grpc.StatusCode.UNAVAILABLE)
        grpc_context.set_details(retry_message(error))
        return None


class TextMLServicer:
    """gRPC methods for the ingress that has the JSON routes post_translate, post_summarize and
    post_summarize_translate."""

    async def Translate(self, request, grpc_context: RayServegRPCContext) -> TranslateReply:
        body = _parsed(api_schema.TranslateRequest, grpc_context, text=request.text, language=request.language or None)
        answer = body and await _answered(grpc_context, self.post_translate(body))
        return TranslateReply(**answer.model_dump()) if answer else TranslateReply()

    async def Summarize(self, request, grpc_context: RayServegRPCContext) -> SummarizeReply:
        lengths = {name: getattr(request, name) for name in ("min_length", "max_length") if request.HasField(name)}
        body = _parsed(api_schema.SummarizeRequest, grpc_context, text=request.text, **lengths)
        answer = body and await _answered(grpc_context, self.post_summarize(body))
        return SummarizeReply(**answer.model_dump()) if answer else SummarizeReply()

    async def SummarizeTranslate(self, request, grpc_context: RayServegRPCContext) -> SummarizeTranslateReply:
        body = _parsed(api_schema.SummarizeTranslateRequest, grpc_context, text=request.text,
                       language=request.language or None)
        answer = body and await _answered(grpc_context, self.post_summarize_translate(body))
        return SummarizeTranslateReply(**answer.model_dump()) if answer else SummarizeTranslateReply()
