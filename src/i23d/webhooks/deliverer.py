"""The webhook deliverer: a background thread that POSTs due deliveries, signed, to the address
it has just checked, and retries failures with exponential backoff.

Each attempt re-checks the URL's host against the address policy and connects to the checked
address itself (``Host`` and TLS SNI keep the name), so DNS cannot point a delivery somewhere
private between check and connection. Redirects are not followed. A 2xx answer delivers; any
other answer, a refused address, a timeout or a connection error is a failed attempt, retried
after ``retry_base_s * 2**(n-1)`` seconds (at most ``MAX_RETRY_DELAY_S``) until
``max_attempts`` attempts were made. Jobs never wait for any of this.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx

from i23d import __version__
from i23d.image_fetch import AddressPolicy
from i23d.webhooks.queue import DeliveryQueue, DueDelivery
from i23d.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from i23d.webhooks.urls import WebhookUrlError, parse_webhook_url, pin_webhook_host

log = logging.getLogger("i23d.webhooks")

MAX_RETRY_DELAY_S = 3600.0


def retry_delay(attempt: int, base_s: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...)."""
    return min(base_s * 2 ** (attempt - 1), MAX_RETRY_DELAY_S)


def delivery_body(delivery: DueDelivery) -> bytes:
    """The JSON POSTed: the event, its delivery id and time, and the session object."""
    created = datetime.fromtimestamp(delivery.created_at, UTC).isoformat(timespec="milliseconds")
    return json.dumps(
        {
            "id": delivery.id,
            "type": delivery.event,
            "created_at": created.replace("+00:00", "Z"),
            "data": delivery.payload,
        },
        separators=(",", ":"),
    ).encode("utf-8")


class WebhookDeliverer:
    """Drains the delivery queue on one thread, sending up to ``concurrency`` at once."""

    def __init__(
        self,
        queue: DeliveryQueue,
        policy: AddressPolicy,
        *,
        timeout_s: float,
        max_attempts: int,
        retry_base_s: float,
        concurrency: int = 4,
        poll_s: float = 0.25,
    ) -> None:
        self.queue = queue
        self.policy = policy
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self.concurrency = concurrency
        self.poll_s = poll_s
        self._tls = httpx.create_ssl_context()  # made once: building one costs ~0.1 s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (deliveries left pending by an earlier run are taken too)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="i23d-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the attempts in flight; what is still pending stays in the database."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def deliver_due(self, pool: ThreadPoolExecutor) -> int:
        """Attempt every due delivery the queue hands out now; returns how many."""
        due = self.queue.take_due(self.concurrency, hold_s=self.timeout_s * 3 + 30)
        for outcome in pool.map(self._attempt, due):
            self.queue.record_attempt(*outcome)
        return len(due)

    def _run(self) -> None:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="i23d-webhook") as pool:
            while not self._stop.is_set():
                try:
                    busy = self.deliver_due(pool)
                except Exception:  # noqa: BLE001 - a database hiccup must not end deliveries
                    log.exception("webhook delivery round failed")
                    busy = 0
                if not busy:
                    self._stop.wait(self.poll_s)

    def _attempt(self, delivery: DueDelivery) -> tuple[int, dict[str, Any], bool, float | None]:
        """One POST; returns what :meth:`DeliveryQueue.record_attempt` takes."""
        started = time.time()
        status_code: int | None = None
        error = ""
        try:
            status_code = self._post(delivery) if delivery.secret else None
            if status_code is None:
                error = "the key has no webhook secret to sign with (POST /webhook/secret)"
            elif not 200 <= status_code < 300:
                error = f"HTTP {status_code}" + (
                    " (redirects are not followed)" if 300 <= status_code < 400 else ""
                )
        except WebhookUrlError as exc:
            error = exc.message
        except httpx.TimeoutException:
            error = f"timed out (limit {self.timeout_s:g} s)"
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            error = f"could not connect: {type(exc).__name__}"
        except Exception as exc:  # noqa: BLE001 - recorded as the attempt's error, and retried
            log.exception("webhook attempt crashed", extra={"delivery": delivery.id})
            error = f"internal error: {type(exc).__name__}"
        delivered = not error
        attempt = {
            "attempt": delivery.attempt,
            "at": started,
            "status_code": status_code,
            "error": error,
            "duration_ms": round((time.time() - started) * 1000, 1),
        }
        retry_at = None
        if not delivered and delivery.attempt < self.max_attempts:
            retry_at = time.time() + retry_delay(delivery.attempt, self.retry_base_s)
        extra = {
            "delivery": delivery.id,
            "attempt": delivery.attempt,
            "session_code": delivery.payload.get("session_code", ""),
        }
        if delivered:
            log.info("webhook delivered", extra=extra)
        else:
            log.warning("webhook attempt failed: %s", error, extra=extra)
        return delivery.id, attempt, delivered, retry_at

    def _post(self, delivery: DueDelivery) -> int:
        """POST the signed body to the pinned address; the answer's status code."""
        url = parse_webhook_url(delivery.url)
        address = pin_webhook_host(url, self.policy, self.timeout_s)
        host = url.raw_host.decode("ascii")
        body = delivery_body(delivery)
        timestamp = int(time.time())
        extensions: dict[str, object] = {"timeout": httpx.Timeout(self.timeout_s).as_dict()}
        if host != str(address):  # TLS: send and verify the name, not the address
            extensions["sni_hostname"] = host.rstrip(".")
        request = httpx.Request(
            "POST",
            url.copy_with(host=str(address)),
            content=body,
            headers={
                "Host": url.netloc.decode("ascii"),
                "Content-Type": "application/json",
                "User-Agent": f"i23d-webhook/{__version__}",
                EVENT_HEADER: delivery.event,
                DELIVERY_HEADER: str(delivery.id),
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: signature(delivery.secret, timestamp, body),
            },
            extensions=extensions,
        )
        # A bare transport: no proxies from the environment (they would undo the pinning),
        # no redirects, no connection reuse.
        with httpx.HTTPTransport(
            verify=self._tls, limits=httpx.Limits(max_keepalive_connections=0)
        ) as transport:
            response = transport.handle_request(request)
            response.close()
        return response.status_code
