"""The parts of a process that serves or runs jobs: database, artifact store, session service,
job runner and webhook deliverer, built from :class:`~i23d.config.Settings`.

Opening a runtime does not migrate: :func:`migrate` is the explicit step (``i23d db
upgrade``, and once at the start of ``i23d serve`` / ``i23d worker``); :meth:`Runtime.open`
only checks that the schema is current and says what to run when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from i23d.config import Settings
from i23d.engine import Engine
from i23d.image_fetch import AddressPolicy
from i23d.jobs.local import LocalWorkers
from i23d.jobs.work import JobRunner
from i23d.migrations import check_schema, upgrade_database
from i23d.runtime.engine import build_engine
from i23d.sessions.model import SessionRecord
from i23d.sessions.service import SessionService
from i23d.sessions.store import Database
from i23d.sessions.view import session_to_dict
from i23d.storage.base import Storage
from i23d.storage.factory import open_storage
from i23d.storage.signing import UrlSigner
from i23d.storage.space import DiskSpace
from i23d.webhooks.deliverer import WebhookDeliverer
from i23d.webhooks.queue import DeliveryQueue, Render, WebhookOutbox


def migrate(settings: Settings) -> str:
    """Bring the settings' database to the newest schema revision, once, under the migration
    lock; returns what was done (``current``, ``created``, ``adopted`` or ``upgraded``)."""
    _make_data_dir(settings)
    db = Database(settings.resolved_database_url)
    try:
        return upgrade_database(db)
    finally:
        db.dispose()


@dataclass
class Runtime:
    """The long-lived parts of one process that serves or runs jobs."""

    settings: Settings
    db: Database
    storage: Storage
    signer: UrlSigner
    service: SessionService
    engines: list[Engine] = field(default_factory=list)
    """The engines this runtime built (and so closes)."""

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Connect to the settings' database (which must be at the current schema, else
        :class:`~i23d.migrations.SchemaOutOfDate` says to run ``i23d db upgrade``) and
        artifact store, and build the session service on them."""
        _make_data_dir(settings)
        db = Database(settings.resolved_database_url)
        try:
            check_schema(db)
        except BaseException:
            db.dispose()
            raise
        storage = open_storage(settings)
        signer = UrlSigner.from_settings(
            settings.signing_secret, settings.data_dir, settings.url_ttl_s
        )
        service = SessionService(
            db,
            storage,
            queue_limit=settings.queue_limit,
            job_time_limit_s=settings.job_time_limit_s,
            max_attempts=settings.job_max_attempts,
            lease_s=settings.lease_s,
            workers_hint=max(1, settings.workers),
            key_queue_limits=settings.key_queue_limits,
            reconstructor=settings.reconstructor,
        )
        service.on_status_change(WebhookOutbox(_webhook_payload(settings, signer)))
        return cls(settings, db, storage, signer, service)

    def disk_space(self) -> DiskSpace:
        """The data directory's free-space guard."""
        return DiskSpace(self.settings.data_dir, self.settings.min_free_bytes)

    def job_runner(self, engine: Engine | None = None) -> JobRunner:
        """A job runner on this runtime's service and store, with ``engine`` or the one the
        settings describe (built here, its reconstructor loaded once, closed by :meth:`close`)."""
        if engine is None:
            engine = build_engine(self.settings)
            self.engines.append(engine)
        return JobRunner(
            self.service, self.storage, engine, export_threads=self.settings.export_threads
        )

    def local_workers(self, count: int, engine: Engine | None = None) -> LocalWorkers:
        """``count`` engine threads claiming jobs from the database (not started)."""
        return LocalWorkers(self.service, self.job_runner(engine), count, disk=self.disk_space())

    def webhook_deliverer(self) -> WebhookDeliverer:
        """The webhook deliverer of a process that runs jobs (not started)."""
        settings = self.settings
        return WebhookDeliverer(
            DeliveryQueue(self.db),
            AddressPolicy(allow_private=settings.allow_private_urls),
            timeout_s=settings.webhook_timeout_s,
            max_attempts=settings.webhook_max_attempts,
            retry_base_s=settings.webhook_retry_base_s,
        )

    def close(self) -> None:
        """Release the engines this runtime built and close the database connections."""
        for engine in self.engines:
            engine.close()
        self.engines.clear()
        self.db.dispose()


def _make_data_dir(settings: Settings) -> None:
    """The data directory, this user's alone (database, signing key and photos)."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)


def _webhook_payload(settings: Settings, signer: UrlSigner) -> Render:
    """A webhook's session object, as GET shows it; its links on ``public_base_url``, else on
    the base URL the session was created through (no request is at hand when a job ends)."""

    def render(record: SessionRecord, user_id: str) -> dict:
        base = settings.public_base_url.rstrip("/") or record.base_url
        return session_to_dict(record, user_id, lambda key: base + signer.path(key))

    return render
