"""Reading and checking API requests: every bad request becomes one :class:`ApiError`.

Limits (documented in the README): a request body of at most :data:`MAX_BODY_BYTES`, a text
of at most :data:`MAX_TEXT_CHARS` characters. Bodies must be UTF-8 JSON objects sent with
``Content-Type: application/json``.
"""

from __future__ import annotations

import json
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import ClientDisconnect, Request

MAX_TEXT_CHARS = 5_000  # characters of text per request
MAX_BODY_BYTES = 64 * 1024  # JSON escapes may take 6 bytes a character


class ApiError(Exception):
    """A request the server refuses: HTTP ``status`` and a one-line ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TextRequest(BaseModel):
    """A text: what every endpoint's body holds."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description=f"the text, 1 to {MAX_TEXT_CHARS:,} characters")


class PredictRequest(TextRequest):
    """The body of ``/predict``."""

    evidence: bool = Field(
        True,
        description="classifiers: per-word evidence (one forward pass per token); false: faster",
    )


class InsideRequest(TextRequest):
    """The body of ``/inside``."""

    layer: int = Field(0, ge=0, description="LSTM layer, from 0")
    direction: Literal["fwd", "bwd"] = Field("fwd", description="direction: fwd or bwd")


MAX_GENERATED = 200  # words one /generate request may ask for


class GenerateRequest(TextRequest):
    """The body of ``/generate`` (language-model runs)."""

    tokens: int = Field(30, ge=1, le=MAX_GENERATED, description="words to sample")
    temperature: float = Field(1.0, gt=0, le=10, description="softmax temperature")
    top_k: int = Field(0, ge=0, description="sample among the k likeliest words (0: all)")
    seed: int = Field(0, ge=0, lt=2**63, description="random seed")


Body = TypeVar("Body", bound=TextRequest)


def body_schema(model: type[BaseModel]) -> dict:
    """``openapi_extra`` documenting the JSON body an endpoint reads itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON body as a ``model``, or an :class:`ApiError`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES:,} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise ApiError(413, f"the request body is larger than {MAX_BODY_BYTES:,} bytes")
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before the body ended") from None
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, f"the request body is not valid JSON: {error.msg}") from None
    except RecursionError:  # [[[[...: Python's parser recurses per level
        raise ApiError(400, "the request body is nested too deeply") from None
    except ValueError:  # the one other: an integer of more than 4,300 digits
        raise ApiError(400, "the request body holds a number too long to read") from None
    if not isinstance(data, dict):
        raise ApiError(400, 'the request body must be a JSON object such as {"text": "..."}')
    try:
        parsed = model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, validation_message(error.errors())) from None
    check_text(parsed.text)
    return parsed


def check_text(text: str) -> None:
    """Refuse empty, too long, NUL-holding or not-Unicode text."""
    if not text.strip():
        raise ApiError(422, "text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError(
            413, f"text is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}"
        )
    if "\x00" in text:
        raise ApiError(422, "text holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # "\ud800" in the JSON: a lone surrogate, not a character
        raise ApiError(422, "text is not valid Unicode (it holds a lone surrogate)") from None


def validation_message(errors: list[dict]) -> str:
    """The first validation error as one line: ``field: message``."""
    if not errors:
        return "invalid request"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body",))
    return f"{where}: {first.get('msg', 'invalid')}" if where else first.get("msg", "invalid")
