"""SSRF-safe retrieval of the create-session ``image_url``: public http(s) URLs and data: URIs.

Every hop (the first URL and each redirect) is parsed, its host resolved exactly once, every
resolved address checked against an :class:`AddressPolicy`, and the connection made to the
checked address itself (the URL's host is swapped for the address; ``Host`` and TLS SNI keep the
name, so certificates are still verified against the name). Nothing is re-resolved between the
check and the connection, so DNS rebinding has no gap to use. Bodies are streamed under a byte
cap; connect and read waits and the whole fetch are time-bounded. See ``docs/image-input.md``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import httpx

from i23d.config import FETCH_DEADLINE_S, FETCH_TIMEOUT_S
from i23d.engine.image_io import DEFAULT_MAX_BYTES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int, float], list[IPAddress]]

FIELD = "image_url"
ALLOWED = "allowed: public http:// or https:// URLs and data:image/<type>;base64,<data> URIs"
MAX_URL_CHARS = 8192
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
        "::/96",  # unspecified, loopback, deprecated IPv4-compatible addresses
        "64:ff9b::/96",  # NAT64: would reach an embedded IPv4 address through a translator
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/32",  # Teredo: embeds an IPv4 address
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: embeds an IPv4 address
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 segment identifiers
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)


class FetchError(Exception):
    """``image_url`` was refused or could not be fetched.

    ``status`` is the HTTP status the service should answer with: 400 for a value that is not
    acceptable as given (scheme, syntax, credentials, non-public address, malformed data: URI),
    422 for an acceptable URL whose retrieval failed (unresolvable, unreachable, timed out, HTTP
    error, redirect to a refused target, too many redirects), 413 for a body over the byte cap.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = FIELD
        self.status = status

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, int]]:
        # Keep the status when pickled (e.g. across a task queue), not just the message.
        return (type(self), (self.message, self.status))


def parse_numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host spells in any legacy form, as browsers read it.

    Follows the WHATWG URL standard's IPv4 parser: one to four dot-separated numbers, each
    decimal, octal (leading ``0``) or hex (``0x``), the last one filling the remaining bytes, so
    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1. Returns None
    when the host is a name (its last label is not a number); raises FetchError when it ends in
    a number but is not a valid address (such a host is never sent to DNS).
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if _ipv4_number(labels[-1]) is None:
        return None
    numbers = [_ipv4_number(label) for label in labels]
    invalid = FetchError(f"image_url host {host!r} is not a valid IPv4 address; {ALLOWED}")
    if len(numbers) > 4 or None in numbers:
        raise invalid
    *leading, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise invalid
    return ipaddress.IPv4Address(last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading)))


def _ipv4_number(label: str) -> int | None:
    """One label of a numeric IPv4 host (decimal, 0-octal or 0x-hex), or None if not a number."""
    digits, radix = label, 10
    if label[:2].lower() == "0x":
        digits, radix = label[2:], 16
    elif len(label) > 1 and label.startswith("0"):
        digits, radix = label[1:], 8
    if digits == "":
        return 0 if radix != 10 else None
    alphabet = "0123456789abcdef"[:radix]
    if not all(c in alphabet for c in digits.lower()):
        return None
    return int(digits, radix)


_RESOLVER_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="i23d-resolve")


def resolve_host(host: str, port: int, timeout: float) -> list[IPAddress]:
    """All addresses the system resolver (``/etc/hosts``, DNS) gives for a name, within timeout."""
    future = _RESOLVER_POOL.submit(
        socket.getaddrinfo, host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    try:
        infos = future.result(timeout=timeout)
    except FutureTimeout:
        raise FetchError(f"image_url host {host!r} did not resolve in time", 422) from None
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"image_url host {host!r} could not be resolved", 422) from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address; IPv4-mapped IPv6 is judged by its IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    if not address.is_global or address.is_multicast or address.is_reserved:
        return False
    return not any(address in net for net in _BLOCKED_NETWORKS if net.version == address.version)


@dataclass(frozen=True)
class AddressPolicy:
    """Which hosts may be connected to, and the one address each connection is pinned to.

    With ``allow_private`` every resolved address is permitted (an operator fetching from its
    own network); otherwise only public addresses (:func:`is_public_address`) are. A name with
    any non-public address among its resolutions is refused as a whole.
    """

    allow_private: bool = False
    resolver: Resolver = field(default=resolve_host)

    def permits(self, address: IPAddress) -> bool:
        """Whether a connection to this address is allowed."""
        return self.allow_private or is_public_address(address)

    def pin(self, host: str, port: int, timeout: float) -> IPAddress:
        """Resolve ``host`` once and return the checked address to connect to, or raise."""
        literal = _literal_address(host)
        if literal is not None:
            if not self.permits(literal):
                raise FetchError(f"image_url address {host} is not a public address; {ALLOWED}")
            return literal
        name = host.rstrip(".")
        if not self.allow_private and (name == "localhost" or name.endswith(".localhost")):
            raise FetchError(f"image_url host {host!r} is the local machine; {ALLOWED}")
        addresses = self.resolver(name, port, timeout)
        if not addresses:
            raise FetchError(f"image_url host {host!r} has no address", 422)
        if not all(self.permits(a) for a in addresses):
            raise FetchError(f"image_url host {host!r} resolves to a non-public address; {ALLOWED}")
        return addresses[0]


def _literal_address(host: str) -> IPAddress | None:
    """The address an IP-literal host names (IPv6 or any IPv4 spelling), None for a name."""
    try:
        return ipaddress.ip_address(host.replace("%25", "%"))
    except ValueError:
        return parse_numeric_ipv4(host)


@dataclass(frozen=True)
class ImageFetcher:
    """Fetches image bytes from an ``image_url`` under an address policy and byte/time caps."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = FETCH_TIMEOUT_S
    max_redirects: int = 5
    deadline: float = FETCH_DEADLINE_S
    """Seconds the whole fetch (all hops, name resolution and body) may take."""
    ssl_context: ssl.SSLContext | None = None
    """Verifies https servers; None means httpx's default (certifi's CA bundle)."""

    def fetch(self, url: str) -> bytes:
        """The bytes behind ``url`` (an http(s) URL or a data: URI), or raise FetchError."""
        if not isinstance(url, str) or not url.strip():
            raise FetchError(f"image_url is empty; {ALLOWED}")
        url = url.strip()
        if url[:5].lower() == "data:":
            return decode_data_uri(url, self.max_bytes)
        deadline = time.monotonic() + self.deadline
        target = _parse_http_url(url)
        # A bare transport, not a Client: no proxies from the environment (they would undo the
        # pinning), no redirect, cookie or auth handling of its own, no connection reuse.
        with httpx.HTTPTransport(
            verify=self.ssl_context or True, limits=httpx.Limits(max_keepalive_connections=0)
        ) as transport:
            for hop in range(self.max_redirects + 1):
                address = self._pin(target, hop, deadline)
                next_target = self._get(transport, target, address, deadline)
                if isinstance(next_target, bytes):
                    return next_target
                target = next_target
        raise FetchError(f"image_url redirected more than {self.max_redirects} times", 422)

    def _pin(self, target: httpx.URL, hop: int, deadline: float) -> IPAddress:
        """The checked address for this hop; a refused redirect target becomes a 422."""
        resolve_within = _remaining(deadline, self.timeout)
        try:
            if hop > 0:
                _check_http_url(target)
            host = target.raw_host.decode("ascii")
            return self.policy.pin(host, _port(target), resolve_within)
        except FetchError as exc:
            if hop == 0:
                raise
            message = f"image_url redirected to a refused target: {exc.message}"
            raise FetchError(message, 422) from exc

    def _get(
        self,
        transport: httpx.HTTPTransport,
        target: httpx.URL,
        address: IPAddress,
        deadline: float,
    ) -> bytes | httpx.URL:
        """One GET pinned to ``address``: the body, or the URL a redirect points to."""
        host = target.raw_host.decode("ascii")
        extensions: dict[str, object] = {
            "timeout": httpx.Timeout(_remaining(deadline, self.timeout)).as_dict()
        }
        if host != str(address):  # TLS: send and verify the name, not the address
            extensions["sni_hostname"] = host.rstrip(".")
        try:
            request = httpx.Request(
                "GET",
                target.copy_with(host=str(address)),
                headers={
                    "Host": target.netloc.decode("ascii"),
                    "Accept": "image/*",
                    "Accept-Encoding": "identity",
                    "User-Agent": "i23d-image-fetch",
                },
                extensions=extensions,
            )
            response = transport.handle_request(request)
            try:
                if response.status_code in REDIRECT_STATUSES:
                    return _redirect_target(response, target)
                _check_response(response, self.max_bytes)
                return _read_capped(response, self.max_bytes, deadline)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise FetchError(f"image_url timed out (limit {self.timeout:g} s)", 422) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(f"image_url could not be fetched: {type(exc).__name__}", 422) from exc


def fetch_image(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = FETCH_TIMEOUT_S,
    max_redirects: int = 5,
    deadline: float = FETCH_DEADLINE_S,
) -> bytes:
    """The image bytes behind a create-session ``image_url``; raises FetchError if refused.

    ``timeout`` bounds each connect and each read wait; the whole fetch is bounded by
    ``deadline`` seconds. The defaults are the service's (:class:`~i23d.config.Settings`).
    Pixel caps are checked later by the engine.
    """
    fetcher = ImageFetcher(
        policy=AddressPolicy(allow_private=allow_private),
        max_bytes=max_bytes,
        timeout=timeout,
        max_redirects=max_redirects,
        deadline=deadline,
    )
    return fetcher.fetch(url)


def decode_data_uri(uri: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:image/<type>[;params];base64,<data>`` URI, size-checked first.

    The encoded length is checked against the cap before anything is decoded; ASCII whitespace
    (MIME line breaks) inside the payload is ignored, anything else outside base64 is refused.
    """
    header, comma, payload = uri[5:].partition(",")
    if not comma:
        raise FetchError(f"image_url data: URI has no ',' before its data; {ALLOWED}")
    params = [p.strip().lower() for p in header.split(";")]
    media_type = params[0]
    if params[-1] != "base64" or len(params) < 2:
        raise FetchError(f"image_url data: URIs must be base64-encoded; {ALLOWED}")
    if not media_type.startswith("image/") or len(media_type) <= len("image/"):
        raise FetchError(
            f"image_url data: URI has media type {media_type or '(none)'!r}; "
            f"only image/* is accepted; {ALLOWED}"
        )
    encoded_cap = 4 * -(-max_bytes // 3)
    if len(payload) > encoded_cap + encoded_cap // 38 + 4:  # room for CRLF every 76 chars
        raise FetchError(_too_large(max_bytes), 413)
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FetchError(f"image_url data: URI is not valid base64; {ALLOWED}") from exc
    if not data:
        raise FetchError(f"image_url data: URI holds no data; {ALLOWED}")
    if len(data) > max_bytes:
        raise FetchError(_too_large(max_bytes), 413)
    return data


def _parse_http_url(url: str) -> httpx.URL:
    """Parse a client-given URL and check it with :func:`_check_http_url` (errors are 400s)."""
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"image_url is longer than {MAX_URL_CHARS} characters; {ALLOWED}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"image_url is not a valid URL ({exc}); {ALLOWED}") from exc
    _check_http_url(parsed)
    return parsed


def _check_http_url(url: httpx.URL) -> None:
    """Refuse other schemes, missing hosts, embedded credentials and bad ports."""
    if url.scheme not in ("http", "https"):
        scheme = url.scheme or "(none)"
        raise FetchError(f"image_url scheme {scheme!r} is not allowed; {ALLOWED}")
    if not url.raw_host:
        raise FetchError(f"image_url has no host; {ALLOWED}")
    if url.userinfo:
        raise FetchError(f"image_url must not carry credentials (user:password@); {ALLOWED}")
    if url.port is not None and not 0 < url.port < 65536:
        raise FetchError(f"image_url port {url.port} is not valid; {ALLOWED}")


def _port(url: httpx.URL) -> int:
    """The TCP port a URL connects to."""
    return url.port or (443 if url.scheme == "https" else 80)


def _remaining(deadline: float, timeout: float) -> float:
    """Seconds left for one wait: at most ``timeout``, and never past the whole-fetch deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("image_url took too long to fetch", 422)
    return min(left, timeout)


def _redirect_target(response: httpx.Response, current: httpx.URL) -> httpx.URL:
    """The absolute URL a redirect points to (re-checked by the caller before it is followed)."""
    location = response.headers.get("Location")
    if not location:
        raise FetchError(f"image_url answered {response.status_code} without a Location", 422)
    try:
        return current.join(location)
    except httpx.InvalidURL as exc:
        raise FetchError(f"image_url redirected to an invalid URL ({exc})", 422) from exc


def _check_response(response: httpx.Response, max_bytes: int) -> None:
    """Refuse error statuses, content encodings and a declared length over the cap."""
    if response.status_code != 200:
        raise FetchError(
            f"image_url answered HTTP {response.status_code} {response.reason_phrase}".rstrip(),
            422,
        )
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError(f"image_url answered with Content-Encoding {encoding!r}", 422)
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_large(max_bytes), 413)


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    """Stream the body, stopping as soon as it passes the byte cap or the deadline."""
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_raw():  # as the network delivers it (reads of up to 64 KiB)
        received += len(chunk)
        if received > max_bytes:
            raise FetchError(_too_large(max_bytes), 413)
        if time.monotonic() > deadline:
            raise FetchError("image_url took too long to fetch", 422)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> str:
    return f"image_url is larger than the {max_bytes} byte limit"
