"""A scale-out deployment on loopback: ``i23d serve`` API processes and ``i23d worker`` Celery
workers, all separate OS processes sharing one PostgreSQL database, one Redis broker and one
S3 bucket, configured only through ``I23D_*`` environment variables.

Used by the cluster test and by ``bench/scale``.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from tests.scale import servers

TERMINAL = frozenset({"complete", "failed", "incomplete"})


@dataclass
class Cluster:
    """The processes of one deployment and what they share."""

    root: Path
    env: dict[str, str]
    database_url: str
    api_urls: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    apis: list[subprocess.Popen[bytes]] = field(default_factory=list)
    key: str = ""

    def _spawn(self, name: str, argv: list[str], extra: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "i23d.cli", *argv],
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # its own process group, to kill whole

    def create_key(self) -> str:
        """An API key in the shared database (``i23d keys create``)."""
        done = subprocess.run(
            [sys.executable, "-m", "i23d.cli", "keys", "create", "--tier", "standard"],
            env={**self.env, "I23D_DATA_DIR": str(self.root)},
            capture_output=True,
            check=True,
        )
        self.key = done.stdout.decode().strip().splitlines()[0]
        return self.key

    def start_api(self) -> str:
        """One more API process (no engine threads) on its own port and data dir."""
        index = len(self.apis)
        port = servers.free_port()
        data = self.root / f"api{index}"
        process = self._spawn(
            f"api{index}",
            ["serve", "--port", str(port), "--workers", "0"],
            {"I23D_DATA_DIR": str(data)},
        )
        url = f"http://127.0.0.1:{port}"
        servers.wait_until(
            lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
            60,
            f"API process {index}",
        )
        self.apis.append(process)
        self.api_urls.append(url)
        return url

    def start_worker(self, threads_per_process: int = 1) -> subprocess.Popen[bytes]:
        """One more ``i23d worker --dispatch celery`` process with one pool process."""
        index = len(self.workers)
        process = self._spawn(
            f"worker{index}",
            ["worker", "--dispatch", "celery", "--workers", "1"],
            {
                "I23D_DATA_DIR": str(self.root / f"worker{index}"),
                "OMP_NUM_THREADS": str(threads_per_process),
                "I23D_EXPORT_THREADS": str(threads_per_process),
                "OPENBLAS_NUM_THREADS": str(threads_per_process),
                "MKL_NUM_THREADS": str(threads_per_process),
                "LP_NUM_THREADS": str(threads_per_process),
            },
        )  # Mesa llvmpipe
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker's whole process group (main and pool processes): a host dying."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def sql(self, query: str, **params: Any) -> list[Any]:
        """Rows of a read-only query on the shared database."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(query), params))
        finally:
            engine.dispose()

    def stop(self) -> None:
        """Stop every process: SIGTERM, then SIGKILL what is left."""
        for process in [*self.apis, *self.workers]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in [*self.apis, *self.workers]:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@contextmanager
def running_cluster(
    root: Path,
    postgres_admin_url: str,
    redis_url: str,
    s3_endpoint: str,
    name: str,
    lease_s: float = 3.0,
    job_time_limit_s: float = 120.0,
    queue_limit: int = 500,
) -> Any:
    """A cluster with no API or worker process yet (``start_api``/``start_worker`` add them)
    on a new database, bucket and queue called ``name``."""
    database_url = servers.create_database(postgres_admin_url, name)
    bucket = name.replace("_", "-")
    servers.create_bucket(s3_endpoint, bucket)
    env = {k: v for k, v in os.environ.items() if not k.startswith("I23D_")}
    env.update(
        {
            "I23D_DATABASE_URL": database_url,
            "I23D_DISPATCH": "celery",
            "I23D_BROKER_URL": redis_url,
            "I23D_QUEUE_NAME": f"i23d.{name}",
            "I23D_STORAGE": "s3",
            "I23D_S3_BUCKET": bucket,
            "I23D_S3_ENDPOINT_URL": s3_endpoint,
            "I23D_S3_REGION": servers.S3_REGION,
            "I23D_S3_ACCESS_KEY_ID": servers.S3_ACCESS_KEY,
            "I23D_S3_SECRET_ACCESS_KEY": servers.S3_SECRET_KEY,
            "I23D_SIGNING_SECRET": "cluster-test-signing-secret-0123456789",
            "I23D_LEASE_S": str(lease_s),
            "I23D_JOB_TIME_LIMIT_S": str(job_time_limit_s),
            "I23D_QUEUE_LIMIT": str(queue_limit),
            "I23D_KEY_QUEUE_LIMIT_STANDARD": str(queue_limit),
            "I23D_KEY_QUEUE_LIMIT_ENTERPRISE": str(queue_limit),
        }
    )
    root.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(root=root, env=env, database_url=database_url)
    try:
        yield cluster
    finally:
        cluster.stop()


def data_url(png: bytes) -> str:
    """``png`` as a ``data:image/png;base64,`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
