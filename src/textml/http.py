"""Reading a JSON request body, and the 4xx answers for one that is not acceptable."""

from typing import Any, Sequence

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

# Bodies larger than this are refused before they are parsed (or reach a model).
MAX_BODY_BYTES = 64 * 1024


class BadRequest(Exception):
    """A request the service refuses, with the HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message}, status_code=self.status)


def _describe(errors: list[dict], field_names: Sequence[str]) -> str:
    """One readable line per bad field, e.g. "amount: Input should be a valid number (got 'x')"."""
    lines: dict[Any, str] = {}
    for error in errors:
        position = error["loc"][0] if error["loc"] else None
        if isinstance(position, int) and position < len(field_names):
            where = field_names[position]
        elif position is None:
            where = "body"
        else:
            where = str(position)
        # A union reports once per branch; the last branch's message is the most general.
        got = repr(error["input"])
        if len(got) > 60:
            got = got[:57] + "..."
        lines[position] = f"{where}: {error['msg']} (got {got})"
    return "; ".join(lines.values())


async def read_json(request: Request, body_type: TypeAdapter, field_names: Sequence[str] = ()) -> Any:
    """Parses and validates the request body; raises BadRequest (400, 413 or 422) when it can't."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(413, f"body is {declared} bytes; the limit is {MAX_BODY_BYTES}")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, f"body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}")
    if not body.strip():
        raise BadRequest(400, "body is empty; send a JSON value")
    try:
        return body_type.validate_json(body)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        if errors[0]["type"] == "json_invalid":
            raise BadRequest(400, f"body is not valid JSON: {errors[0]['ctx']['error']}") from None
        raise BadRequest(422, _describe(errors, field_names)) from None
