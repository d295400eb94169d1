"""What the routes share: settings, database, service, storage, signer, dispatcher, the image
intake and the data directory's free space."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from i23d.api.image_intake import ImageIntake
from i23d.config import Settings
from i23d.jobs.dispatch import Dispatcher
from i23d.sessions.service import SessionService
from i23d.sessions.store import Database
from i23d.storage.base import Storage
from i23d.storage.signing import UrlSigner
from i23d.storage.space import DiskSpace


@dataclass
class AppContext:
    """One per app; built by ``create_app`` and stored on ``app.state.ctx``."""

    settings: Settings
    db: Database
    storage: Storage
    signer: UrlSigner
    service: SessionService
    dispatcher: Dispatcher | None
    intake: ImageIntake
    disk: DiskSpace

    def base_url(self, request: Request) -> str:
        """The public base of download URLs: configured, or the one the request came to."""
        if self.settings.public_base_url:
            return self.settings.public_base_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def notify_workers(self) -> None:
        """Tell workers a job was queued (they also poll, so this only saves latency)."""
        if self.dispatcher is not None:
            self.dispatcher.notify()


async def get_context(request: Request) -> AppContext:
    """The app's context (FastAPI dependency)."""
    return request.app.state.ctx
