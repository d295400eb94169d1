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
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from i23d.api.schemas import RULES
from i23d.sessions.service import ServiceError

log = logging.getLogger("i23d.api")


class EnvelopeResponse(Response):
    """A JSON response already shaped as the envelope."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(status: int, message: str, data: Any = None, error: str = "",
             headers: dict[str, str] | None = None) -> EnvelopeResponse:
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
            message += (f" (send it with Content-Type: application/json; got "
                        f"{content_type or 'no Content-Type'})")
        allowed = RULES.get(field or "")
        return envelope(400, message, data={"field": field, "allowed": allowed})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return envelope(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope(500, "internal server error")
