"""Checking a ``webhook_url`` as strictly as an ``image_url``: ``http``/``https`` only, at most
2,048 characters, no credentials, a valid port, and a host the image fetch's
:class:`~i23d.image_fetch.AddressPolicy` permits (public addresses in every spelling; private
ones only with ``--allow-private-urls``). The deliverer pins the address again before every
attempt, so a name that later resolves somewhere private is refused then too.
"""

from __future__ import annotations

import httpx

from i23d import image_fetch
from i23d.image_fetch import AddressPolicy, FetchError, IPAddress

FIELD = "webhook_url"
MAX_CHARS = 2048
ALLOWED = f"allowed: a public http:// or https:// URL of at most {MAX_CHARS} characters"


class WebhookUrlError(Exception):
    """A ``webhook_url`` refused: ``status`` is 400 (not acceptable as given) or 422 (its host
    could not be resolved)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parse_webhook_url(url: str) -> httpx.URL:
    """The URL, parsed, if its form is acceptable (scheme, length, host, no credentials)."""
    if len(url) > MAX_CHARS:
        raise WebhookUrlError(f"{FIELD} is longer than {MAX_CHARS} characters; {ALLOWED}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise WebhookUrlError(f"{FIELD} is not a valid URL ({exc}); {ALLOWED}") from exc
    if parsed.scheme not in ("http", "https"):
        raise WebhookUrlError(
            f"{FIELD} scheme {parsed.scheme or '(none)'!r} is not allowed; {ALLOWED}"
        )
    if not parsed.raw_host:
        raise WebhookUrlError(f"{FIELD} has no host; {ALLOWED}")
    if parsed.userinfo:
        raise WebhookUrlError(f"{FIELD} must not carry credentials (user:password@); {ALLOWED}")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise WebhookUrlError(f"{FIELD} port {parsed.port} is not valid; {ALLOWED}")
    return parsed


def pin_webhook_host(url: httpx.URL, policy: AddressPolicy, timeout: float) -> IPAddress:
    """The checked address to connect to for ``url`` (resolved once), or raise."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        return policy.pin(url.raw_host.decode("ascii"), port, timeout)
    except FetchError as exc:
        # The policy words its reasons for image_url; keep the reason, name this field.
        reason = exc.message.removeprefix(f"{image_fetch.FIELD} ")
        reason = reason.removesuffix(f"; {image_fetch.ALLOWED}")
        raise WebhookUrlError(f"{FIELD} {reason}; {ALLOWED}", exc.status) from exc


def check_webhook_url(url: str, *, allow_private: bool, timeout: float) -> str:
    """The URL to store (surrounding spaces removed) once its form and its host's addresses
    pass; raises :class:`WebhookUrlError` naming ``webhook_url``."""
    url = url.strip()
    pin_webhook_host(parse_webhook_url(url), AddressPolicy(allow_private=allow_private), timeout)
    return url
