"""The legacy CSM image-to-3D endpoints (``/image-to-3d-sessions...``), as the seeds and SDKs
call them. Thin: parse, authorize, call the session service, shape the envelope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from i23d.api.auth import require_caller
from i23d.api.context import AppContext, get_context
from i23d.api.errors import envelope
from i23d.api.routes.webhooks import session_webhook_url
from i23d.api.schemas import (
    RULES,
    AnimateRequest,
    CreateSessionRequest,
    EnterpriseFields,
    PreviewRequest,
    RefineRequest,
    RegenerateSpinsRequest,
)
from i23d.engine.animate import NotACharacter, animation_missing, check_character
from i23d.engine.export.glb import load_glb
from i23d.sessions.errors import ServiceError
from i23d.sessions.job_options import JobOptions
from i23d.sessions.keys import Caller
from i23d.sessions.service import SessionOptions
from i23d.sessions.view import SessionLike, job_record, session_to_dict

router = APIRouter(prefix="/image-to-3d-sessions", tags=["image-to-3d sessions"])

CallerDep = Annotated[Caller, Depends(require_caller)]
ContextDep = Annotated[AppContext, Depends(get_context)]


def _view(ctx: AppContext, request: Request, record: SessionLike, caller: Caller) -> dict:
    base = ctx.base_url(request)
    return session_to_dict(record, caller.user_id, lambda key: base + ctx.signer.path(key))


@router.post("", status_code=201, summary="Create a session (seed 000)")
async def create_session(
    request: Request, body: CreateSessionRequest, caller: CallerDep, ctx: ContextDep
) -> Response:
    """Fetch the image, store it, and queue the spins (or, in the newest SDK's style or with
    ``generate_preview_mesh``, the straight-through preview). The fetch runs on the image
    intake's own pool; the database and storage writes on the route thread pool."""
    _require_enterprise_key(body, caller)
    ctx.disk.require()  # 507 before anything is fetched or stored
    webhook_url = await run_in_threadpool(session_webhook_url, ctx, caller, body.webhook_url)
    await run_in_threadpool(ctx.service.check_capacity, caller)
    image, suffix = await ctx.intake.take(body.image_url, caller.key_id)
    options = SessionOptions(
        image_url=body.image_url,
        job_options=JobOptions.pick(body.model_dump()),
        auto_gen_3d=body.auto_gen_3d,
        generate_preview_mesh=body.generate_preview_mesh,
        straight_through=body.is_straight_through(),
        manual_segmentation=body.manual_segmentation,
        webhook_url=webhook_url,
        base_url=ctx.base_url(request),
    )
    record = await run_in_threadpool(ctx.service.create, caller, options, image, suffix)
    ctx.notify_workers()
    return envelope(201, "Created", _view(ctx, request, record, caller))


@router.get("", summary="List the caller's sessions, newest first")
def list_sessions(
    request: Request,
    caller: CallerDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100, description=RULES["limit"])] = 20,
    page: Annotated[int, Query(ge=1, le=1_000_000, description=RULES["page"])] = 1,
) -> Response:
    """One page of sessions; ``data`` is the list, ``total``/``page``/``limit`` beside it."""
    records, total = ctx.service.sessions_page(caller, limit, page)
    response = envelope(200, "Success", [_view(ctx, request, r, caller) for r in records])
    response.headers["X-Total-Count"] = str(total)
    return response


@router.get("/{session_code}", summary="Get a session")
async def get_session(session_code: str, request: Request, caller: CallerDep) -> Response:
    """The session object (one indexed read, no thread hop: this is the hot path)."""
    ctx: AppContext = request.app.state.ctx
    record = ctx.service.get(caller, session_code)
    return envelope(200, "Success", _view(ctx, request, record, caller))


@router.delete("/{session_code}", summary="Delete a session and its files")
def delete_session(session_code: str, caller: CallerDep, ctx: ContextDep) -> Response:
    """Cancels the session's jobs and removes every file it had."""
    removed = ctx.service.delete(caller, session_code)
    return envelope(
        200, "Deleted", {"session_code": session_code, "deleted": True, "files_removed": removed}
    )


@router.post("/{session_code}/regenerate-spins", summary="Make a new set of spins")
def regenerate_spins(
    session_code: str,
    request: Request,
    caller: CallerDep,
    ctx: ContextDep,
    body: Annotated[RegenerateSpinsRequest | None, Body()] = None,
) -> Response:
    """Queues new spins (status ``spin_generate_processing``), optionally with new options."""
    changes = body.changes() if body else {}
    record = ctx.service.regenerate_spins(caller, session_code, changes)
    ctx.notify_workers()
    return envelope(200, "Regenerating spins", _view(ctx, request, record, caller))


@router.post("/get-3d/preview/{session_code}", summary="Make the preview mesh (seed 001)")
def get_3d_preview(
    session_code: str,
    request: Request,
    caller: CallerDep,
    ctx: ContextDep,
    body: Annotated[PreviewRequest | None, Body()] = None,
) -> Response:
    """Queues the preview from the chosen spin; status becomes ``training_preview``."""
    body = body or PreviewRequest()
    current = ctx.service.get(caller, session_code)
    index = body.selected_spin_index
    if body.selected_spin:
        index = _spin_of_url(ctx, current, body.selected_spin, index)
    record, job = ctx.service.start_preview(
        caller,
        session_code,
        index if index is not None else 0,
        body.selected_spin or "",
        body.scaled_bbox,
        body.pivot_point,
    )
    ctx.notify_workers()
    base = ctx.base_url(request)
    return envelope(
        200,
        "Generating Mesh",
        job_record(record, job, caller.user_id, base + ctx.signer.path(record.input_key)),
    )


@router.post("/get-3d/refine/{session_code}", summary="Make the refined mesh")
def get_3d_refine(
    session_code: str,
    request: Request,
    caller: CallerDep,
    ctx: ContextDep,
    body: Annotated[RefineRequest | None, Body()] = None,
) -> Response:
    """Queues the refined mesh after a preview; status becomes ``refining``. ``topology``,
    ``resolution`` and ``texture_resolution`` (enterprise keys) override the session's."""
    body = body or RefineRequest()
    _require_enterprise_key(body, caller)
    record, job = ctx.service.start_refine(
        caller,
        session_code,
        body.scaled_bbox,
        body.pivot_point,
        topology=body.topology,
        resolution=body.resolution,
        texture_resolution=body.texture_resolution,
    )
    ctx.notify_workers()
    base = ctx.base_url(request)
    return envelope(
        200,
        "Refining Mesh",
        job_record(record, job, caller.user_id, base + ctx.signer.path(record.input_key)),
    )


@router.post(
    "/get-3d/animate/{session_code}", summary="Rig the model and make walk, run and jump clips"
)
def get_3d_animate(
    session_code: str,
    request: Request,
    caller: CallerDep,
    ctx: ContextDep,
    body: Annotated[AnimateRequest | None, Body()] = None,
) -> Response:
    """Queues rigging and the clips asked for from the newest model (refined, else preview);
    status becomes ``animating``. 409 before a preview; 422 when walk or run is asked of a
    shape without legs and ``rig`` is ``auto``; 501 when this process runs the jobs and has
    no Blender (workers elsewhere fail the job with that reason instead)."""
    body = body or AnimateRequest()
    clips = body.clips()
    source = ctx.service.animation_source(caller, session_code)
    missing = animation_missing() if request.app.state.workers is not None else None
    if missing is not None:
        raise ServiceError(501, missing, field="animations")
    try:
        check_character(load_glb(ctx.storage.get(source)), clips, body.rig)
    except NotACharacter as refused:
        raise ServiceError(422, refused.message, field=refused.field) from refused
    record, job = ctx.service.start_animate(caller, session_code, clips, body.rig)
    ctx.notify_workers()
    base = ctx.base_url(request)
    return envelope(
        200,
        "Animating Mesh",
        job_record(record, job, caller.user_id, base + ctx.signer.path(record.input_key)),
    )


def _require_enterprise_key(body: EnterpriseFields, caller: Caller) -> None:
    """403 when a key below the enterprise tier sets an enterprise-only field."""
    sent = body.enterprise_fields_sent()
    if sent and not caller.is_enterprise:
        raise ServiceError(
            403,
            f"{', '.join(sent)}: available to enterprise keys only; this "
            f"key's tier is {caller.tier}",
            field=sent[0],
        )


def _spin_of_url(ctx: AppContext, record: SessionLike, url: str, index: int | None) -> int:
    """The index of the session's spin that ``url`` names; 400 if it names none of them."""
    key = ctx.signer.key_of_url(url)
    keys = {spin["video_key"]: spin["index"] for spin in record.spins if spin.get("video_key")}
    keys.update(
        {spin["still_key"]: spin["index"] for spin in record.spins if spin.get("still_key")}
    )
    if key is None or key not in keys:
        raise ServiceError(
            400,
            "selected_spin must be the image_url of one of this session's "
            "spins (other URLs are never fetched)",
            field="selected_spin",
        )
    if index is not None and index != keys[key]:
        raise ServiceError(
            400,
            f"selected_spin is spin {keys[key]} but selected_spin_index "
            f"is {index}; send one or make them agree",
            field="selected_spin_index",
        )
    return keys[key]
