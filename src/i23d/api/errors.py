"""The envelope every answer wears, and the handlers that put errors into it.

``{"error": str, "message": str, "statusCode": int, "data": ...}``; ``statusCode`` equals the
HTTP status. Errors name the field at fault and what it allows; bad input never yields a 5xx.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from i23d.api.schemas import RULES
from i23d.sessions.errors import ServiceError
from i23d.storage.space import StorageFull, is_storage_full

log = logging.getLogger("i23d.api")

STORAGE_FULL_RETRY_S = 60


class EnvelopeResponse(Response):
    """A JSON response already shaped as the envelope."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(
    status: int,
    message: str,
    data: Any = None,
    error: str = "",
    headers: dict[str, str] | None = None,
) -> EnvelopeResponse:
    """An answer in the envelope; ``error`` defaults to the status phrase for 4xx/5xx."""
    if status >= 400 and not error:
        error = HTTPStatus(status).phrase
    body = {"error": error, "message": message, "statusCode": status, "data": data}
    return EnvelopeResponse(body, status_code=status, headers=headers)


def _validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    kind = first.get("type", "")
    if kind == "json_invalid":
        detail = first.get("ctx", {}).get("error", "invalid JSON")
        return f"the request body is not valid JSON ({detail})", "body"
    if not loc:
        if kind == "missing":
            return "the request body is missing; send a JSON object", "body"
        return "the request body must be a JSON object", "body"
    field = loc[0]
    if kind == "missing":
        return f"{field} is required: {RULES.get(field, 'a value')}", field
    rule = RULES.get(field)
    got = first.get("input")
    got_text = json.dumps(got)[:120] if _jsonable(got) else repr(got)[:120]
    if rule:
        return f"{field} must be {rule}; got {got_text}", field
    return f"{field}: {first.get('msg', 'invalid value')}; got {got_text}", field


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def install_error_handlers(app: FastAPI) -> None:
    """Route every error (ours, Starlette's, validation, unexpected) through the envelope."""

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> Response:
        data = exc.data if exc.data is not None else ({"field": exc.field} if exc.field else None)
        return envelope(exc.status, exc.message, data=data, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        message, field = _validation_message(list(exc.errors()))
        content_type = request.headers.get("content-type", "")
        if field == "body" and "json" not in content_type and request.method == "POST":
            message += (
                f" (send it with Content-Type: application/json; got "
                f"{content_type or 'no Content-Type'})"
            )
        allowed = RULES.get(field or "")
        return envelope(400, message, data={"field": field, "allowed": allowed})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 400 and exc.__cause__ is not None:
            return envelope(
                400,
                _body_parse_message(exc.__cause__),
                data={"field": "body", "allowed": "a JSON object, UTF-8 encoded"},
            )
        if exc.status_code == 404:
            return envelope(
                404,
                "no such route; see /docs for the API's routes",
                data={"field": "path", "allowed": "see /docs"},
                headers=headers,
            )
        if exc.status_code == 405:
            allowed = (headers or {}).get("Allow", "")
            return envelope(
                405,
                f"{request.method} is not allowed here; allowed: {allowed}",
                data={"field": "method", "allowed": allowed},
                headers=headers,
            )
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return envelope(exc.status_code, message, headers=headers)

    @app.exception_handler(StorageFull)
    async def _storage_full(_request: Request, exc: StorageFull) -> Response:
        return storage_full_answer(exc)

    @app.exception_handler(OSError)
    @app.exception_handler(SQLAlchemyError)
    async def _maybe_storage_full(_request: Request, exc: Exception) -> Response:
        if is_storage_full(exc):
            return storage_full_answer(exc)
        raise exc  # on to the 500 handler

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_storage_full(exc):
            return storage_full_answer(exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope(500, "internal server error")


def storage_full_answer(exc: BaseException) -> Response:
    """507 with Retry-After: the server has no room to store the request (nothing was)."""
    if isinstance(exc, StorageFull):
        detail = (
            f"{exc.free_bytes / 2**20:.0f} MiB free; the service keeps at least "
            f"{exc.min_free_bytes / 2**20:.0f} MiB free"
        )
    else:
        detail = "a write failed: no space left"
    log.warning("storage full: %s", exc)
    return envelope(
        507,
        f"the server's storage is full ({detail}); nothing of this request "
        f"was stored and existing sessions are safe; retry in about "
        f"{STORAGE_FULL_RETRY_S} s",
        data={"field": "storage"},
        headers={"Retry-After": str(STORAGE_FULL_RETRY_S)},
    )


def _body_parse_message(cause: BaseException) -> str:
    """What was wrong with a body the JSON parser could not read."""
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"the request body is not valid UTF-8 (byte 0x{cause.object[cause.start]:02x} "
            f"at offset {cause.start}); send JSON encoded as UTF-8"
        )
    if isinstance(cause, RecursionError):
        return (
            "the request body nests arrays or objects too deeply for the JSON parser "
            "(about 1,000 levels); a request body is one flat JSON object"
        )
    return f"the request body could not be parsed as JSON ({type(cause).__name__}: {cause})"
