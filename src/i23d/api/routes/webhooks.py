"""Webhooks (an i23d extension): the key's default ``webhook_url`` and signing secret, and a
session's delivery attempts. Thin: parse, authorize, call the webhook modules, shape the
envelope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from i23d.api.auth import require_caller
from i23d.api.context import AppContext, get_context
from i23d.api.errors import envelope
from i23d.api.schemas import RULES, WebhookSettingsRequest
from i23d.sessions.keys import Caller
from i23d.sessions.model import WebhookDelivery
from i23d.sessions.service import ServiceError
from i23d.sessions.view import iso_time
from i23d.webhooks.key_settings import (
    key_webhook,
    make_webhook_secret,
    set_default_webhook_url,
)
from i23d.webhooks.queue import DeliveryQueue
from i23d.webhooks.urls import FIELD, WebhookUrlError, check_webhook_url

router = APIRouter(tags=["webhooks (i23d extension)"])

CallerDep = Annotated[Caller, Depends(require_caller)]
ContextDep = Annotated[AppContext, Depends(get_context)]


def checked_webhook_url(ctx: AppContext, url: str) -> str:
    """``url`` as stored once it passes the webhook URL rules; a 4xx naming ``webhook_url``."""
    try:
        return check_webhook_url(
            url, allow_private=ctx.settings.allow_private_urls, timeout=ctx.settings.fetch_timeout_s
        )
    except WebhookUrlError as exc:
        raise ServiceError(exc.status, exc.message, field=FIELD) from exc


def session_webhook_url(ctx: AppContext, caller: Caller, sent: str | None) -> str:
    """The URL a new session notifies: the one sent (checked), else the key's default; 400
    when there is one but the key has no secret to sign with yet."""
    current = key_webhook(ctx.db, caller.key_id)
    url = checked_webhook_url(ctx, sent) if sent else current.webhook_url
    if url and not current.secret_set:
        raise ServiceError(
            400,
            "webhook_url: this key has no webhook secret to sign deliveries "
            "with yet; create one first with POST /webhook/secret (shown once)",
            field=FIELD,
        )
    return url


def _settings(ctx: AppContext, caller: Caller, **extra: Any) -> dict[str, Any]:
    current = key_webhook(ctx.db, caller.key_id)
    return {"webhook_url": current.webhook_url, "webhook_secret_set": current.secret_set, **extra}


@router.get("/webhook", summary="The key's default webhook URL")
def get_webhook(caller: CallerDep, ctx: ContextDep) -> Response:
    """``webhook_url`` (new sessions without their own notify it) and whether the key has a
    signing secret."""
    return envelope(200, "Success", _settings(ctx, caller))


@router.put("/webhook", summary="Set or clear the key's default webhook URL")
def put_webhook(body: WebhookSettingsRequest, caller: CallerDep, ctx: ContextDep) -> Response:
    """Checked as at create; ``""`` clears it. A key without a secret gets one, shown in this
    answer only (``webhook_secret``)."""
    url = checked_webhook_url(ctx, body.webhook_url) if body.webhook_url else ""
    set_default_webhook_url(ctx.db, caller.key_id, url)
    extra = {}
    if url and not key_webhook(ctx.db, caller.key_id).secret_set:
        extra["webhook_secret"] = make_webhook_secret(ctx.db, caller.key_id)
    return envelope(200, "Success", _settings(ctx, caller, **extra))


@router.post("/webhook/secret", summary="Make a new webhook signing secret")
def post_webhook_secret(caller: CallerDep, ctx: ContextDep) -> Response:
    """A new secret for the key (replacing any), shown only in this answer; deliveries from now
    on, retries included, are signed with it."""
    secret = make_webhook_secret(ctx.db, caller.key_id)
    return envelope(201, "Created", _settings(ctx, caller, webhook_secret=secret))


@router.get(
    "/image-to-3d-sessions/{session_code}/webhook-deliveries",
    summary="The session's webhook deliveries and their attempts",
)
def list_deliveries(
    session_code: str,
    caller: CallerDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100, description=RULES["limit"])] = 20,
    page: Annotated[int, Query(ge=1, le=1_000_000, description=RULES["page"])] = 1,
) -> Response:
    """Newest first; header ``X-Total-Count``."""
    record = ctx.service.get(caller, session_code)
    rows, total = DeliveryQueue(ctx.db).of_session(record.id, limit, page)
    response = envelope(200, "Success", [_delivery(row) for row in rows])
    response.headers["X-Total-Count"] = str(total)
    return response


def _delivery(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "event": row.event,
        "url": row.url,
        "status": row.payload.get("status"),
        "session_status": row.payload.get("session_status"),
        "state": row.state,
        "created_at": iso_time(row.created_at),
        "next_attempt_at": iso_time(row.next_attempt_at) if row.state == "pending" else None,
        "finished_at": iso_time(row.finished_at) if row.finished_at else None,
        "attempts": [{**attempt, "at": iso_time(attempt["at"])} for attempt in row.attempts],
    }
