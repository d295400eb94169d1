"""SSRF-safe image fetching, exercised against real HTTP servers on 127.0.0.1 / 127.0.0.2.

Every test runs under a guard that records each outgoing TCP connection and fails on any
destination other than those two loopback addresses, and on any name lookup other than names
from /etc/hosts, so no traffic can leave the machine even if the code under test misbehaves.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import pickle
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import trustme
from PIL import Image

from i23d.image_fetch import (
    AddressPolicy,
    FetchError,
    ImageFetcher,
    IPAddress,
    decode_data_uri,
    fetch_image,
    is_public_address,
    parse_numeric_ipv4,
    resolve_host,
)

LOOPBACK = "127.0.0.1"
PUBLIC_STAND_IN = "127.0.0.2"  # a loopback address the test policy treats as an internet host
Route = Callable[[BaseHTTPRequestHandler], None]


def _hosts_file_names() -> set[str]:
    """Names listed in /etc/hosts (resolvable without DNS)."""
    names: set[str] = set()
    hosts = Path("/etc/hosts")
    if hosts.exists():
        for line in hosts.read_text().splitlines():
            names.update(line.split("#", 1)[0].split()[1:])
    return names


HOSTS_FILE_NAMES = _hosts_file_names()


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection attempted; anything beyond the two test addresses is an error."""
    attempted: list[tuple[str, int]] = []
    real_connect = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        attempted.append((address[0], address[1]))
        if address[0] not in (LOOPBACK, PUBLIC_STAND_IN):
            raise AssertionError(f"test tried to connect to {address}")
        return real_connect(address, *args, **kwargs)

    def guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host not in HOSTS_FILE_NAMES:
                raise AssertionError(f"test tried to look up {host!r} beyond /etc/hosts") from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempted


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse lookup of the address (DNS for 127.0.0.2): skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class LocalServer:
    """An HTTP(S) server on a loopback address recording each request (path, Host) and TLS SNI."""

    def __init__(self, host: str, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, str | None]] = []
        self.server_names: list[str | None] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.hits.append((self.path, self.headers.get("Host")))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = _Server((host, 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local() -> Iterator[LocalServer]:
    """A server on 127.0.0.1: the address production policy must never reach."""
    server = LocalServer(LOOPBACK)
    yield server
    server.close()


@pytest.fixture
def public() -> Iterator[LocalServer]:
    """A server on 127.0.0.2 standing in for an internet host (see StandInPolicy)."""
    server = LocalServer(PUBLIC_STAND_IN)
    yield server
    server.close()


@dataclass(frozen=True)
class StandInPolicy(AddressPolicy):
    """The production policy, except that 127.0.0.2 counts as public, with a fake DNS table."""

    names: dict[str, list[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "resolver", self._resolve)

    def _resolve(self, host: str, port: int, timeout: float) -> list[IPAddress]:
        self.lookups.append(host)
        return [ipaddress.ip_address(a) for a in self.names[host]]

    def permits(self, address: IPAddress) -> bool:
        return str(address) == PUBLIC_STAND_IN or super().permits(address)


def stand_in_policy() -> StandInPolicy:
    return StandInPolicy(
        names={
            "images.test": [PUBLIC_STAND_IN],
            "internal.test": ["10.0.0.5"],
            "metadata.test": ["169.254.169.254"],
            "mixed.test": [PUBLIC_STAND_IN, "10.1.1.1"],
            "loopback6.test": ["::1"],
        }
    )


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., 0] = np.arange(width, dtype=np.uint8)[None, :] * 10
    pixels[..., 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def serve_bytes(
    body: bytes, *, length: bool = True, headers: dict[str, str] | None = None
) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        if length:
            handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if location:
            handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def endless_body(server: LocalServer) -> Route:
    """200 with no Content-Length, then 64 KiB chunks until the client hangs up."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        chunk = b"\x89" * 65536
        try:
            while not server.stop.is_set():
                handler.wfile.write(chunk)
        except OSError:
            pass

    return route


def stall(server: LocalServer, *, headers: dict[str, str] | None = None) -> Route:
    """Send nothing (or only the given headers), then wait until the server closes."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        if headers is not None:
            handler.send_response(200)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.flush()
        server.stop.wait(30)

    return route


def drip(server: LocalServer) -> Route:
    """Headers, then one byte every 50 ms: never idle long enough for a read timeout."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        try:
            while not server.stop.wait(0.05):
                handler.wfile.write(b"x")
                handler.wfile.flush()
        except OSError:
            pass

    return route


def test_fetch_error_names_the_field_and_survives_pickling() -> None:
    error = FetchError("image_url is larger than the 10 byte limit", 413)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.field, copy.status) == (error.message, "image_url", 413)
    assert str(copy) == error.message


# --- address policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("8.8.8.8.", "8.8.8.8"),
        ("134744072", "8.8.8.8"),
    ],
)
def test_numeric_ipv4_spellings_are_read_as_browsers_read_them(spelling: str, address: str) -> None:
    assert parse_numeric_ipv4(spelling) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("name", ["example.com", "images.test", "0x7g", "a1.b2", "localhost"])
def test_names_are_not_numeric_ipv4(name: str) -> None:
    assert parse_numeric_ipv4(name) is None


@pytest.mark.parametrize(
    "bad", ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "09.1.1.1", "1..2", "4294967296"]
)
def test_invalid_numeric_hosts_are_refused_not_resolved(bad: str) -> None:
    with pytest.raises(FetchError) as caught:
        parse_numeric_ipv4(bad)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",
        "10.0.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.0.9",
        "169.254.169.254",
        "172.16.5.4",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "100::1",
        "2001::1",
        "2001:db8::1",
        "2002:7f00:1::1",
        "3fff::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
    ],
)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    assert not AddressPolicy().permits(ipaddress.ip_address(address))
    assert AddressPolicy(allow_private=True).permits(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_system_resolver_reads_the_hosts_file() -> None:
    assert ipaddress.ip_address("127.0.0.1") in resolve_host("localhost", 80, 5.0)


def test_a_name_with_any_non_public_address_is_refused_as_a_whole() -> None:
    with pytest.raises(FetchError, match="non-public"):
        stand_in_policy().pin("mixed.test", 80, 1.0)


# --- refused before any connection ----------------------------------------------------------


REFUSED_HOSTS = [
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "127.1",
    "127.0.1",
    "0177.0.0.1",
    "017700000001",
    "0",
    "0.0.0.0",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "localhost",
    "LOCALHOST.",
    "images.localhost",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_loopback_spellings_never_reach_the_local_server(
    host: str, local: LocalServer, connections: list[tuple[str, int]]
) -> None:
    local.routes["/img.png"] = serve_bytes(png_bytes())
    with pytest.raises(FetchError) as caught:
        fetch_image(f"http://{host}:{local.port}/img.png")
    assert caught.value.status == 400
    assert caught.value.field == "image_url"
    assert "image_url" in caught.value.message and "allowed" in caught.value.message
    assert local.hits == [] and connections == []


def test_names_from_the_hosts_file_are_refused(
    local: LocalServer, connections: list[tuple[str, int]]
) -> None:
    others = sorted(n for n in HOSTS_FILE_NAMES if n != "localhost")
    loopback_names = [n for n in others if LOOPBACK in map(str, resolve_host(n, 80, 5.0))]
    if not loopback_names:
        pytest.skip("/etc/hosts names no loopback host besides localhost")
    local.routes["/img.png"] = serve_bytes(png_bytes())
    with pytest.raises(FetchError, match="non-public"):
        fetch_image(f"http://{loopback_names[0]}:{local.port}/img.png")
    assert local.hits == [] and connections == []


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "0xa9fea9fe",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "[fc00::1]",
        "[fd00::1]",
        "[fe80::1]",
        "[fe80::1%25eth0]",
        "[fec0::1]",
        "[ff02::1]",
        "[2002:7f00:1::]",
        "[64:ff9b::a9fe:a9fe]",
        "[::7f00:1]",
        "[2001:db8::1]",
        "[::ffff:169.254.169.254]",
    ],
)
def test_private_and_reserved_addresses_are_refused_before_connecting(
    host: str, connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_image(f"http://{host}/latest/meta-data/")
    assert caught.value.status == 400
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.2/img.png",
        "gopher://127.0.0.2:70/_x",
        "javascript:alert(1)",
        "//127.0.0.2/img.png",
        "img.png",
        "http:///img.png",
        "dict://127.0.0.2:11211/stat",
        "",
        "   ",
        "http://1.2.3.4.5/",
        "http://256.0.0.1/",
    ],
)
def test_other_schemes_and_malformed_urls_are_refused(
    url: str, connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_image(url)
    assert caught.value.status == 400
    assert "allowed" in caught.value.message
    assert connections == []


def test_credentials_in_the_url_are_refused(
    public: LocalServer, connections: list[tuple[str, int]]
) -> None:
    public.routes["/img.png"] = serve_bytes(png_bytes())
    url = f"http://user:secret@images.test:{public.port}/img.png"
    with pytest.raises(FetchError, match="credentials"):
        ImageFetcher(policy=stand_in_policy()).fetch(url)
    assert public.hits == [] and connections == []


def test_an_overlong_url_is_refused() -> None:
    with pytest.raises(FetchError, match="longer than"):
        fetch_image("http://images.test/" + "a" * 9000)


# --- fetching -------------------------------------------------------------------------------


def test_allow_private_fetches_a_local_png(local: LocalServer) -> None:
    body = png_bytes(24, 16)
    local.routes["/img.png"] = serve_bytes(body)
    fetched = fetch_image(local.url("/img.png"), allow_private=True)
    assert fetched == body
    with Image.open(io.BytesIO(fetched)) as image:
        assert image.size == (24, 16) and image.mode == "RGBA"
    fetched_by_name = fetch_image(f"http://localhost:{local.port}/img.png", allow_private=True)
    assert fetched_by_name == body


def test_connection_is_pinned_to_the_checked_address_and_keeps_the_host_name(
    public: LocalServer, connections: list[tuple[str, int]]
) -> None:
    body = png_bytes()
    public.routes["/img.png"] = serve_bytes(body)
    policy = stand_in_policy()
    fetched = ImageFetcher(policy=policy).fetch(f"http://images.test:{public.port}/img.png")
    assert fetched == body
    assert policy.lookups == ["images.test"]  # resolved exactly once
    assert connections == [(PUBLIC_STAND_IN, public.port)]  # to the address that was checked
    assert public.hits == [("/img.png", f"images.test:{public.port}")]


def test_every_redirect_hop_is_resolved_and_checked_again(public: LocalServer) -> None:
    body = png_bytes()
    public.routes["/a"] = redirect("/b", 301)
    public.routes["/b"] = redirect(f"http://images.test:{public.port}/img.png", 307)
    public.routes["/img.png"] = serve_bytes(body)
    policy = stand_in_policy()
    assert ImageFetcher(policy=policy).fetch(f"http://images.test:{public.port}/a") == body
    assert policy.lookups == ["images.test"] * 3
    assert [path for path, _ in public.hits] == ["/a", "/b", "/img.png"]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://0x7f.1:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://internal.test:{port}/secret",
        "http://metadata.test/latest/meta-data/",
        "http://169.254.169.254/latest/meta-data/",
        "http://mixed.test:{port}/secret",
        "http://loopback6.test:{port}/secret",
        "http://user:pw@images.test:{port}/secret",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/_x",
        "data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_a_redirect_to_a_refused_target_is_refused(
    location: str,
    public: LocalServer,
    local: LocalServer,
    connections: list[tuple[str, int]],
) -> None:
    local.routes["/secret"] = serve_bytes(b"internal")
    public.routes["/go"] = redirect(location.format(port=local.port))
    with pytest.raises(FetchError) as caught:
        ImageFetcher(policy=stand_in_policy()).fetch(f"http://images.test:{public.port}/go")
    assert caught.value.status == 422
    assert "redirected" in caught.value.message
    assert local.hits == []
    assert connections == [(PUBLIC_STAND_IN, public.port)]


def test_redirects_are_bounded(public: LocalServer) -> None:
    public.routes["/loop"] = redirect("/loop")
    with pytest.raises(FetchError, match="more than 3") as caught:
        ImageFetcher(policy=stand_in_policy(), max_redirects=3).fetch(
            f"http://images.test:{public.port}/loop"
        )
    assert caught.value.status == 422
    assert len(public.hits) == 4


def test_a_redirect_without_location_fails(public: LocalServer) -> None:
    public.routes["/go"] = redirect("")
    with pytest.raises(FetchError, match="without a Location"):
        ImageFetcher(policy=stand_in_policy()).fetch(f"http://images.test:{public.port}/go")


def test_http_errors_name_the_status(public: LocalServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        ImageFetcher(policy=stand_in_policy()).fetch(f"http://images.test:{public.port}/missing")
    assert caught.value.status == 422


def test_a_closed_port_fails_cleanly(connections: list[tuple[str, int]]) -> None:
    with socket.socket() as probe:
        probe.bind((PUBLIC_STAND_IN, 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="could not be fetched") as caught:
        ImageFetcher(policy=stand_in_policy()).fetch(f"http://images.test:{port}/img.png")
    assert caught.value.status == 422


@pytest.fixture
def https_server() -> Iterator[Callable[[str], tuple[LocalServer, ssl.SSLContext]]]:
    """Start HTTPS servers on 127.0.0.2 whose certificate names the given identity.

    Returns the server and a client context trusting the test CA.
    """
    ca = trustme.CA()
    started: list[LocalServer] = []

    def start(identity: str) -> tuple[LocalServer, ssl.SSLContext]:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(identity).configure_cert(server_context)
        server = LocalServer(PUBLIC_STAND_IN, tls=server_context)
        started.append(server)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        return server, client_context

    yield start
    for server in started:
        server.close()


def test_https_verifies_the_name_while_connecting_to_the_pinned_address(
    https_server: Callable[[str], tuple[LocalServer, ssl.SSLContext]],
    connections: list[tuple[str, int]],
) -> None:
    server, trust = https_server("images.test")
    body = png_bytes()
    server.routes["/img.png"] = serve_bytes(body)
    fetcher = ImageFetcher(policy=stand_in_policy(), ssl_context=trust)
    assert fetcher.fetch(f"https://images.test:{server.port}/img.png") == body
    assert connections == [(PUBLIC_STAND_IN, server.port)]
    assert server.server_names == ["images.test"]
    assert server.hits == [("/img.png", f"images.test:{server.port}")]


@pytest.mark.parametrize("identity", ["other.test", PUBLIC_STAND_IN])
def test_https_with_a_certificate_for_another_identity_is_refused(
    identity: str, https_server: Callable[[str], tuple[LocalServer, ssl.SSLContext]]
) -> None:
    # A certificate for the pinned address itself must not pass for the name either.
    server, trust = https_server(identity)
    server.routes["/img.png"] = serve_bytes(png_bytes())
    fetcher = ImageFetcher(policy=stand_in_policy(), ssl_context=trust)
    with pytest.raises(FetchError, match="could not be fetched") as caught:
        fetcher.fetch(f"https://images.test:{server.port}/img.png")
    assert caught.value.status == 422
    assert server.hits == []


def test_https_is_refused_without_a_trusted_certificate(
    https_server: Callable[[str], tuple[LocalServer, ssl.SSLContext]],
) -> None:
    server, _ = https_server("images.test")
    server.routes["/img.png"] = serve_bytes(png_bytes())
    with pytest.raises(FetchError):
        ImageFetcher(policy=stand_in_policy()).fetch(f"https://images.test:{server.port}/img.png")
    assert server.hits == []


# --- caps and timeouts ----------------------------------------------------------------------


def test_a_body_at_the_cap_is_accepted_and_one_byte_more_is_not(public: LocalServer) -> None:
    fetcher = ImageFetcher(policy=stand_in_policy(), max_bytes=100_000)
    public.routes["/exact"] = serve_bytes(b"\x01" * 100_000, length=False)
    public.routes["/over"] = serve_bytes(b"\x01" * 100_001, length=False)
    assert len(fetcher.fetch(f"http://images.test:{public.port}/exact")) == 100_000
    with pytest.raises(FetchError, match="100000 byte limit") as caught:
        fetcher.fetch(f"http://images.test:{public.port}/over")
    assert caught.value.status == 413


def test_the_byte_cap_holds_while_streaming_an_endless_body(public: LocalServer) -> None:
    public.routes["/endless"] = endless_body(public)
    fetcher = ImageFetcher(policy=stand_in_policy(), max_bytes=1_000_000)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(f"http://images.test:{public.port}/endless")
    assert caught.value.status == 413


def test_a_declared_length_over_the_cap_is_refused_before_reading(public: LocalServer) -> None:
    # The server declares a huge body and then sends nothing: reading would time out (422).
    public.routes["/huge"] = stall(public, headers={"Content-Length": str(10**9)})
    fetcher = ImageFetcher(policy=stand_in_policy(), max_bytes=1_000_000, timeout=2.0)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(f"http://images.test:{public.port}/huge")
    assert caught.value.status == 413


def test_a_stalled_server_times_out(public: LocalServer) -> None:
    public.routes["/stall"] = stall(public)
    fetcher = ImageFetcher(policy=stand_in_policy(), timeout=0.5)
    with pytest.raises(FetchError, match="timed out") as caught:
        fetcher.fetch(f"http://images.test:{public.port}/stall")
    assert caught.value.status == 422


def test_a_server_stalling_mid_body_times_out(public: LocalServer) -> None:
    public.routes["/half"] = stall(public, headers={"Content-Type": "image/png"})
    fetcher = ImageFetcher(policy=stand_in_policy(), timeout=0.5)
    with pytest.raises(FetchError, match="timed out"):
        fetcher.fetch(f"http://images.test:{public.port}/half")


def test_a_trickling_body_hits_the_whole_fetch_deadline(public: LocalServer) -> None:
    public.routes["/drip"] = drip(public)
    fetcher = ImageFetcher(policy=stand_in_policy(), timeout=0.25, deadline=1.5)
    with pytest.raises(FetchError, match="too long") as caught:
        fetcher.fetch(f"http://images.test:{public.port}/drip")
    assert caught.value.status == 422


def test_compressed_bodies_are_refused(public: LocalServer) -> None:
    gzip_header = {"Content-Encoding": "gzip"}
    public.routes["/gz"] = serve_bytes(b"\x1f\x8b" + b"\0" * 30, headers=gzip_header)
    with pytest.raises(FetchError, match="Content-Encoding"):
        ImageFetcher(policy=stand_in_policy()).fetch(f"http://images.test:{public.port}/gz")


# --- data: URIs -----------------------------------------------------------------------------


def test_a_png_data_uri_decodes_to_the_same_image(connections: list[tuple[str, int]]) -> None:
    body = png_bytes(24, 16)
    uri = "data:image/png;base64," + base64.b64encode(body).decode()
    assert fetch_image(uri) == body
    with Image.open(io.BytesIO(fetch_image(uri))) as image:
        assert image.size == (24, 16)
    assert connections == []


def test_data_uri_with_mime_line_breaks_and_parameters_is_accepted() -> None:
    body = png_bytes(64, 64)
    uri = "DATA:Image/PNG;name=x.png;base64," + base64.encodebytes(body).decode()
    assert "\n" in uri
    assert fetch_image(uri) == body


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("data:image/png;base64,not*base64!", "not valid base64"),
        ("data:image/png;base64,iVBORw0KGgo", "not valid base64"),
        ("data:image/png,%89PNG", "base64"),
        ("data:text/plain;base64,aGVsbG8=", "only image/"),
        ("data:;base64,aGVsbG8=", "only image/"),
        ("data:image/;base64,aGVsbG8=", "only image/"),
        ("data:application/octet-stream;base64,aGVsbG8=", "only image/"),
        ("data:image/png;base64", "no ','"),
        ("data:image/png;base64,", "no data"),
    ],
)
def test_bad_data_uris_are_refused(uri: str, problem: str) -> None:
    with pytest.raises(FetchError, match=problem) as caught:
        fetch_image(uri)
    assert caught.value.status == 400 and caught.value.field == "image_url"


def test_data_uri_over_the_cap_is_refused() -> None:
    just_right = base64.b64encode(b"\x01" * 3000).decode()
    assert len(decode_data_uri("data:image/png;base64," + just_right, 3000)) == 3000
    one_over = base64.b64encode(b"\x01" * 3001).decode()
    with pytest.raises(FetchError) as caught:
        decode_data_uri("data:image/png;base64," + one_over, 3000)
    assert caught.value.status == 413


def test_an_oversized_data_uri_is_refused_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decoded an over-cap payload")

    monkeypatch.setattr(base64, "b64decode", no_decoding)
    with pytest.raises(FetchError) as caught:
        fetch_image("data:image/png;base64," + "A" * 40_000, max_bytes=20_000)
    assert caught.value.status == 413
