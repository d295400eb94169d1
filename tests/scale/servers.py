"""Throwaway servers on 127.0.0.1 for the scale-out tests and benchmarks: a PostgreSQL cluster
(initdb into a temp dir), a ``redis-server`` and an S3-compatible server (moto's).

Each is a context manager that yields its URL and removes everything it made on exit. They skip
nothing themselves: callers check :func:`missing_binaries` first.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

S3_ACCESS_KEY = "i23d-test-access"
S3_SECRET_KEY = "i23d-test-secret-key"
S3_REGION = "us-east-1"


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


SCALE_EXTRA = ("celery", "redis", "psycopg", "boto3", "moto")
"""The Python modules of the ``scale`` extra these tests drive."""
SCALE_EXTRA_HINT = "pip install -e '.[scale]'; scripts/setup.sh installs it"


def missing_modules() -> list[str]:
    """Which modules of the ``scale`` extra are not installed."""
    return [name for name in SCALE_EXTRA if importlib.util.find_spec(name) is None]


def missing_binaries() -> list[str]:
    """Which of the servers these fixtures need are not installed."""
    missing = []
    if postgres_bindir() is None:
        missing.append("postgresql (initdb, pg_ctl)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists() and shutil.which("moto_server") is None:
        missing.append("moto_server (pip install 'moto[server]')")
    return missing


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``check`` until it returns True; raise TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the server is still starting
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up within {timeout_s:g} s")


def _as_postgres_user(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (the server refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A fresh PostgreSQL cluster on a random loopback port; yields a psycopg 3 SQLAlchemy URL
    to its ``postgres`` database (trust auth, fsync off)."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="i23d-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    subprocess.run(_as_postgres_user(["mkdir", "-p", str(sockets)]), check=True)
    subprocess.run(
        _as_postgres_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    try:
        subprocess.run(
            _as_postgres_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "30",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the cluster of ``admin_url``; return its URL."""
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def redis_server() -> Iterator[str]:
    """A ``redis-server`` on a random loopback port, no persistence; yields ``redis://`` URL."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: redis.Redis.from_url(url).ping(), 10, "redis-server")
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server in its own process on a random loopback port; yields the
    endpoint URL. Credentials: :data:`S3_ACCESS_KEY` / :data:`S3_SECRET_KEY`."""
    moto = Path(sys.executable).parent / "moto_server"
    command = str(moto) if moto.exists() else "moto_server"
    port = free_port()
    process = subprocess.Popen(
        [command, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200,
            20,
            "moto_server",
        )
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


def create_bucket(endpoint: str, bucket: str) -> None:
    """Create ``bucket`` on the S3 server at ``endpoint``."""
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    ).create_bucket(Bucket=bucket)
