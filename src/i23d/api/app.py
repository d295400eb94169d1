"""The FastAPI application factory: wires settings, database, storage, service and workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from i23d import __version__
from i23d.api.auth import CallerCache
from i23d.api.context import AppContext
from i23d.api.errors import install_error_handlers
from i23d.api.fast_read import SessionReadFastPath
from i23d.api.image_intake import ImageIntake
from i23d.api.request_guard import RequestGuard
from i23d.api.routes import events, files, health, options, sessions, webhooks
from i23d.api.session_view import session_to_dict
from i23d.config import Settings
from i23d.engine import Engine
from i23d.image_fetch import AddressPolicy
from i23d.jobs.dispatch import Dispatcher
from i23d.jobs.local import LocalWorkers
from i23d.jobs.work import JobRunner
from i23d.sessions.model import SessionRecord
from i23d.sessions.service import SessionService
from i23d.sessions.store import Database
from i23d.storage.base import Storage
from i23d.storage.factory import open_storage
from i23d.storage.signing import UrlSigner
from i23d.storage.space import DiskSpace
from i23d.web import mount_web
from i23d.webhooks.deliverer import WebhookDeliverer
from i23d.webhooks.queue import DeliveryQueue, Render, WebhookOutbox

DESCRIPTION = """Self-hosted image-to-3D with CSM.ai's image-to-3D API.
Authenticate with the `x-api-key` header (`i23d keys create`). Every JSON answer is the envelope
`{"error", "message", "statusCode", "data"}`. See docs/api.md for statuses and limits."""


def build_service(settings: Settings, db: Database, storage: Storage) -> SessionService:
    """The session service with the settings' limits; its status changes queue webhooks."""
    service = SessionService(
        db,
        storage,
        queue_limit=settings.queue_limit,
        job_time_limit_s=settings.job_time_limit_s,
        max_attempts=settings.job_max_attempts,
        lease_s=settings.lease_s,
        workers_hint=max(1, settings.workers),
        key_queue_limits=settings.key_queue_limits,
    )
    signer = UrlSigner.from_settings(settings.signing_secret, settings.data_dir, settings.url_ttl_s)
    service.on_status_change(WebhookOutbox(_webhook_payload(settings, signer)))
    return service


def build_deliverer(settings: Settings, db: Database) -> WebhookDeliverer:
    """The webhook deliverer of a process that runs jobs (serve, worker)."""
    policy = AddressPolicy(allow_private=settings.allow_private_urls)
    return WebhookDeliverer(
        DeliveryQueue(db),
        policy,
        timeout_s=settings.webhook_timeout_s,
        max_attempts=settings.webhook_max_attempts,
        retry_base_s=settings.webhook_retry_base_s,
    )


def _webhook_payload(settings: Settings, signer: UrlSigner) -> Render:
    """A webhook's session object, as GET shows it; its links on ``public_base_url``, else on
    the base URL the session was created through (no request is at hand when a job ends)."""

    def render(record: SessionRecord, user_id: str) -> dict:
        base = settings.public_base_url.rstrip("/") or record.base_url
        return session_to_dict(record, user_id, lambda key: base + signer.path(key))

    return render


def _dispatcher(settings: Settings, workers: LocalWorkers | None) -> Dispatcher | None:
    """Who hears about queued jobs: Celery workers through the broker, or this process's
    engine threads (None: workers elsewhere poll the database)."""
    if settings.dispatch == "celery":
        from i23d.jobs.celery_app import CeleryDispatcher, make_celery  # the "scale" extra

        return CeleryDispatcher(make_celery(settings), settings.queue_name)
    return workers


def create_app(
    settings: Settings | None = None, *, run_workers: bool = True, engine: Engine | None = None
) -> FastAPI:
    """The i23d service. With ``run_workers`` (and ``settings.workers`` > 0) it runs engine
    threads in this process while the app is up; otherwise workers run elsewhere
    (``i23d worker``) and this process only serves HTTP."""
    settings = settings or Settings()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)  # database, signing key and photos: this user's alone
    db = Database(settings.resolved_database_url)
    storage = open_storage(settings)
    signer = UrlSigner.from_settings(settings.signing_secret, settings.data_dir, settings.url_ttl_s)
    service = build_service(settings, db, storage)
    disk = DiskSpace(settings.data_dir, settings.min_free_bytes)
    intake = ImageIntake(settings)
    workers: LocalWorkers | None = None
    if run_workers and settings.workers > 0 and settings.dispatch == "local":
        runner = JobRunner(
            service,
            storage,
            engine or settings.build_engine(),
            export_threads=settings.export_threads,
        )
        workers = LocalWorkers(service, runner, settings.workers, disk=disk)
    deliverer = build_deliverer(settings, db) if run_workers else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if workers is not None:
            workers.start()
        if deliverer is not None:
            deliverer.start()
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.stop()
            if workers is not None:
                workers.stop()
            intake.close()
            db.dispose()

    app = FastAPI(
        title="i23d",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.ctx = AppContext(
        settings=settings,
        db=db,
        storage=storage,
        signer=signer,
        service=service,
        dispatcher=_dispatcher(settings, workers),
        intake=intake,
        disk=disk,
    )
    app.state.caller_cache = CallerCache()
    app.add_middleware(RequestGuard, ctx=app.state.ctx, cache=app.state.caller_cache)
    app.add_middleware(SessionReadFastPath, ctx=app.state.ctx, cache=app.state.caller_cache)
    app.state.workers = workers
    app.state.deliverer = deliverer
    app.state.event_streams = events.StreamSlots(settings.event_streams_per_key)
    install_error_handlers(app)
    app.include_router(events.router)
    app.include_router(webhooks.router)
    app.include_router(sessions.router)
    app.include_router(files.router)
    app.include_router(health.router)
    app.include_router(options.router)
    mount_web(app)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` and HTTP worker processes: settings from ``I23D_*``."""
    settings = Settings()
    return create_app(settings, run_workers=settings.serve_jobs)
