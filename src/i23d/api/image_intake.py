"""Taking in a create request's image: fetch it (SSRF-safe), then check that it can be used.

Fetches run on the intake's own bounded thread pool, never on the threads that serve other
routes, so remote hosts that trickle bytes cannot starve ``/healthz`` or GET. A key may have
``fetches_per_key`` fetches of http(s) URLs running at once (429 beyond); the pool takes at most
``2 × fetch_threads`` images in hand (running or waiting) before create answers 503 with
Retry-After. Each fetch has a total deadline (``fetch_deadline_s``).

The image is then decoded once (:func:`i23d.engine.image_io.inspect_image`), so a truncated,
too small, too elongated or unsupported image is refused with a 4xx before the 201. At most
``DECODES_AT_ONCE`` such decodes run together, which bounds their memory (a 40-megapixel PNG
takes about 120 MB while it is checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from i23d.config import Settings
from i23d.engine.errors import ImageTooLarge, InvalidImage
from i23d.engine.image_io import MAX_ASPECT, MIN_SIDE, inspect_image
from i23d.image_fetch import FetchError, fetch_image
from i23d.sessions.service import ServiceError

INPUT_FILES: dict[str, tuple[str, str]] = {
    "PNG": (".png", "image/png"),
    "JPEG": (".jpg", "image/jpeg"),
    "WEBP": (".webp", "image/webp"),
}
"""Each accepted image format's stored file suffix and media type."""
BUSY_RETRY_S = 5
DECODES_AT_ONCE = 2


def take_image(
    image_url: str, settings: Settings, decoding: threading.Semaphore | None = None
) -> tuple[bytes, str]:
    """The image's bytes and file suffix; raises ``ServiceError`` (4xx) naming ``image_url``.
    The check's decode waits for ``decoding`` if given."""
    try:
        data = fetch_image(
            image_url,
            allow_private=settings.allow_private_urls,
            max_bytes=settings.max_image_bytes,
            timeout=settings.fetch_timeout_s,
            deadline=settings.fetch_deadline_s,
        )
    except FetchError as exc:
        raise ServiceError(exc.status, exc.message, field="image_url") from exc
    with decoding or contextlib.nullcontext():
        return data, check_image(data, settings.max_image_pixels, settings.max_image_bytes)


def check_image(data: bytes, max_pixels: int, max_bytes: int) -> str:
    """The suffix to store a usable PNG, JPEG (MPO too) or WebP image under; 400/413 naming
    ``image_url`` otherwise."""
    try:
        info = inspect_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    except ImageTooLarge as exc:
        raise ServiceError(413, f"image_url: {exc.message}", field="image_url") from exc
    except InvalidImage as exc:
        raise ServiceError(
            400,
            f"image_url: {exc.message} (accepted: PNG, JPEG or WebP, each "
            f"side at least {MIN_SIDE} px, at most {MAX_ASPECT:g}:1)",
            field="image_url",
        ) from exc
    return INPUT_FILES[info.format][0]


class ImageIntake:
    """The create route's fetch-and-check step, on a pool of its own with per-key caps."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(settings.fetch_threads, thread_name_prefix="i23d-fetch")
        self._max_in_hand = 2 * settings.fetch_threads
        self._in_hand = 0
        self._remote_by_key: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)

    async def take(self, image_url: str, key_id: int) -> tuple[bytes, str]:
        """Fetch and check ``image_url`` for key ``key_id`` without holding an API thread."""
        remote = image_url.lstrip()[:5].lower() != "data:"
        self._reserve(key_id, remote)
        try:
            future = self._pool.submit(take_image, image_url, self.settings, self._decoding)
            return await asyncio.wrap_future(future)
        finally:
            self._release(key_id, remote)

    def _reserve(self, key_id: int, remote: bool) -> None:
        limit = self.settings.fetches_per_key
        with self._lock:
            if remote and self._remote_by_key[key_id] >= limit:
                raise ServiceError(
                    429,
                    f"this key already has {limit} image_url fetches running (the limit "
                    f"per key); retry when one finishes",
                    field="image_url",
                    data={"field": "image_url", "limit": "fetches_per_key", "max": limit},
                    headers={"Retry-After": str(BUSY_RETRY_S)},
                )
            if self._in_hand >= self._max_in_hand:
                raise ServiceError(
                    503,
                    f"the server is taking in {self._in_hand} images already (the limit "
                    f"is {self._max_in_hand}); retry in about {BUSY_RETRY_S} s",
                    field="image_url",
                    headers={"Retry-After": str(BUSY_RETRY_S)},
                )
            self._in_hand += 1
            if remote:
                self._remote_by_key[key_id] += 1

    def _release(self, key_id: int, remote: bool) -> None:
        with self._lock:
            self._in_hand -= 1
            if remote:
                self._remote_by_key[key_id] -= 1
                if self._remote_by_key[key_id] <= 0:
                    del self._remote_by_key[key_id]

    def close(self) -> None:
        """Stop taking work; running fetches end at their deadline."""
        self._pool.shutdown(wait=False, cancel_futures=True)
