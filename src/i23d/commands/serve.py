"""``i23d serve``: the CSM-compatible service on embedded defaults (SQLite, local files,
in-process workers) — one command, no other server."""

from __future__ import annotations

import argparse
import os
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from i23d.api.app import create_app
from i23d.commands.worker_flags import WORKER_SETTINGS, add_worker_flags, reconstructor_problem
from i23d.config import Settings, settings_from_flags
from i23d.jobs.memory import freeze_startup_heap, limit_malloc_arenas
from i23d.logs import configure_logging
from i23d.runtime.services import migrate
from i23d.sessions.keys import count_keys, create_key
from i23d.sessions.store import Database

FLAG_SETTINGS = (*WORKER_SETTINGS, "host", "port", "http_workers", "public_base_url", "queue_limit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` sub-command's arguments."""
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000; 0: any)")
    add_worker_flags(parser)
    parser.add_argument(
        "--http-workers", type=int, default=None, help="HTTP worker processes (default 1)"
    )
    parser.add_argument(
        "--public-base-url", default=None, help="base of download URLs, e.g. https://3d.example.com"
    )
    parser.add_argument(
        "--queue-limit", type=int, default=None, help="queued jobs before create answers 429"
    )
    parser.set_defaults(run=run)


def ensure_first_key(settings: Settings) -> str | None:
    """On the first run (no key at all), create an enterprise key and return it."""
    db = Database(settings.resolved_database_url)
    try:
        return create_key(db, "enterprise") if count_keys(db) == 0 else None
    finally:
        db.dispose()


def run(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, FLAG_SETTINGS)
    runs_jobs = settings.serve_jobs and settings.workers > 0 and settings.dispatch == "local"
    problem = reconstructor_problem(settings, runs_jobs)
    if problem:
        print(f"i23d serve: --reconstructor: {problem}", file=sys.stderr)
        return 2
    configure_logging()
    if settings.malloc_arena_max:
        limit_malloc_arenas(settings.malloc_arena_max)  # before any worker thread starts
    migrate(settings)  # once, before the HTTP processes and engine threads open the database
    first_key = ensure_first_key(settings)
    if first_key:
        print(
            f"i23d: first run — created an enterprise API key (shown only this once):\n"
            f"  {first_key}\n"
            f"send it as the x-api-key header; make more with `i23d keys create --tier "
            f"standard|enterprise --data-dir {settings.data_dir}`",
            flush=True,
        )
    config = uvicorn.Config(
        "i23d.api.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.http_workers,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    sock = config.bind_socket()
    # Accepted connections inherit this: without it, a kept-alive connection's body write
    # waits behind Nagle's algorithm for the client's delayed ACK (~40 ms a response).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(config.backlog)  # connections wait in the backlog until the app is up
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    print(f"i23d listening on http://{shown_host}:{port}", flush=True)
    print(
        f"  API docs: http://{shown_host}:{port}/docs   data: {settings.data_dir.resolve()}   "
        f"engine workers: {settings.workers}",
        flush=True,
    )
    if settings.http_workers == 1:
        app = create_app(settings)
        freeze_startup_heap()  # the app and engine live as long as the process
        config.app, config.factory = app, False
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    return _serve_multiprocess(settings, config, sock)


def _serve_multiprocess(settings: Settings, config: uvicorn.Config, sock: socket.socket) -> int:
    """Several HTTP processes (they only serve); the engine workers run in this process."""
    for name, value in settings.model_dump().items():
        if value not in (None, ""):
            os.environ[f"I23D_{name.upper()}"] = str(value)
    os.environ["I23D_SERVE_JOBS"] = "false"
    jobs_app = create_app(settings)  # owns the engine workers and the webhook deliverer
    workers, deliverer = jobs_app.state.workers, jobs_app.state.deliverer
    freeze_startup_heap()  # the app and engine live as long as the process
    if workers is not None:
        workers.start()
    deliverer.start()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        deliverer.stop()
        if workers is not None:
            workers.stop()
    return 0
