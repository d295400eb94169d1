"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"`` with the key's webhook secret.

A receiver recomputes the HMAC from the raw body and the ``X-I23D-Timestamp`` header, compares it
in constant time with ``X-I23D-Signature`` (``v1=<hex>``), and refuses a timestamp more than
``REPLAY_WINDOW_S`` from its own clock; ``X-I23D-Delivery`` lets it drop a retry it already
handled. docs/api.md has a receiver in a few lines of Python.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-I23D-Signature"
TIMESTAMP_HEADER = "X-I23D-Timestamp"
DELIVERY_HEADER = "X-I23D-Delivery"
EVENT_HEADER = "X-I23D-Event"
REPLAY_WINDOW_S = 300
"""Receivers should refuse a delivery whose timestamp is further than this from now."""


def new_secret() -> str:
    """A new webhook secret: ``whsec_`` and 256 random bits (URL-safe base64)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-I23D-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"
