"""The FastAPI application factory: routes and middleware on a process's
:class:`~i23d.runtime.services.Runtime`."""

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
from i23d.config import Settings
from i23d.engine import Engine
from i23d.jobs.dispatch import Dispatcher
from i23d.jobs.local import LocalWorkers
from i23d.runtime.services import Runtime
from i23d.web import mount_web

DESCRIPTION = """Self-hosted image-to-3D with CSM.ai's image-to-3D API.
Authenticate with the `x-api-key` header (`i23d keys create`). Every JSON answer is the envelope
`{"error", "message", "statusCode", "data"}`. See docs/api.md for statuses and limits."""


def _dispatcher(settings: Settings, workers: LocalWorkers | None) -> Dispatcher | None:
    """Who hears about queued jobs: Celery workers through the broker, or this process's
    engine threads (None: workers elsewhere poll the database)."""
    if settings.dispatch == "celery":
        from i23d.jobs.celery_app import CeleryDispatcher, make_celery  # the "scale" extra

        return CeleryDispatcher(make_celery(settings), settings.job_queue)
    return workers


def create_app(
    settings: Settings | None = None, *, run_workers: bool = True, engine: Engine | None = None
) -> FastAPI:
    """The i23d service. With ``run_workers`` (and ``settings.workers`` > 0) it runs engine
    threads in this process while the app is up; otherwise workers run elsewhere
    (``i23d worker``) and this process only serves HTTP. The database must be at the current
    schema (``i23d db upgrade``; ``i23d serve`` upgrades it at start)."""
    settings = settings or Settings()
    runtime = Runtime.open(settings)
    intake = ImageIntake(settings)
    workers: LocalWorkers | None = None
    if run_workers and settings.workers > 0 and settings.dispatch == "local":
        workers = runtime.local_workers(settings.workers, engine)
    deliverer = runtime.webhook_deliverer() if run_workers else None

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
            runtime.close()

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
        db=runtime.db,
        storage=runtime.storage,
        signer=runtime.signer,
        service=runtime.service,
        dispatcher=_dispatcher(settings, workers),
        intake=intake,
        disk=runtime.disk_space(),
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
