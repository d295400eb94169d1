"""The service's settings: one pydantic-settings object read from ``I23D_*`` environment variables.

Every setting also has a command-line flag on ``i23d serve`` / ``i23d worker``; flags win.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from i23d.engine.image_io import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from i23d.engine.reconstructors.registry import DEFAULT_RECONSTRUCTOR
from i23d.engine.segment import DEFAULT_CUTOUT, CutoutMethod

FETCH_TIMEOUT_S = 15.0
"""The default limit of each connect or read wait of an ``image_url`` fetch, in seconds."""
FETCH_DEADLINE_S = 30.0
"""The default limit of a whole ``image_url`` fetch (every redirect, the whole body)."""
REQUEST_SLACK_BYTES = 64 * 1024
"""Room in the request-body cap for the JSON around a data: URI."""


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Where data lives, how the service listens, and the limits it enforces."""

    model_config = SettingsConfigDict(env_prefix="I23D_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="database, keys and artifacts live here")
    database_url: str = Field("", description="SQLAlchemy URL; empty: SQLite in data_dir")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_base_url: str = Field("", description="base of download URLs; empty: from request")
    workers: int = Field(default_factory=_default_workers, ge=0, description="engine threads")
    http_workers: int = Field(1, ge=1, description="uvicorn worker processes")
    serve_jobs: bool = Field(True, description="run the engine workers in the HTTP process")
    allow_private_urls: bool = Field(False, description="let image_url reach private addresses")

    cutout: CutoutMethod = Field(
        DEFAULT_CUTOUT,
        description="cut-out of photos without alpha: guided (GrabCut from the border's colours, "
        "less what IS-Net is sure is background; the default), classical (the colours alone) or "
        "learned (IS-Net leads); guided and learned fall back to classical without the model",
    )
    reconstructor: str = Field(
        DEFAULT_RECONSTRUCTOR,
        description="the reconstruction backend (`i23d reconstructors` lists them): classical "
        "(shape priors on the CPU, the default) or one a plugin registers",
    )
    model_dir: Path | None = Field(
        None,
        description="folder of the model files scripts/setup.sh "
        "fetches; empty: models/ in the source checkout",
    )
    max_image_bytes: int = Field(
        DEFAULT_MAX_BYTES,
        ge=1024,
        description="byte cap of the input "
        "image (20 MiB = 20,971,520 bytes); the request-body cap "
        "follows from it",
    )
    max_image_pixels: int = Field(
        DEFAULT_MAX_PIXELS, ge=1, description="pixel cap of the input image (40,000,000)"
    )
    fetch_timeout_s: float = Field(
        FETCH_TIMEOUT_S, gt=0, description="each connect or read wait of an image_url fetch"
    )
    fetch_deadline_s: float = Field(
        FETCH_DEADLINE_S,
        gt=0,
        description="the whole image_url fetch (every redirect, the whole body)",
    )
    fetch_threads: int = Field(
        16,
        ge=1,
        description="image_url fetches running at once; the "
        "API's own threads never wait on a remote host",
    )
    fetches_per_key: int = Field(
        4, ge=1, description="image_url fetches one key may have running at once (429 beyond)"
    )
    queue_limit: int = Field(32, ge=1, description="queued jobs before create answers 429")
    key_queue_limit_standard: int = Field(
        8, ge=1, description="queued jobs one standard key may have (429 beyond)"
    )
    key_queue_limit_enterprise: int = Field(
        16, ge=1, description="queued jobs one enterprise key may have (429 beyond)"
    )
    min_free_bytes: int = Field(
        128 * 1024 * 1024,
        ge=0,
        description="free space the data "
        "directory must keep: below it creates answer 507 and workers "
        "wait instead of claiming jobs",
    )
    job_time_limit_s: float = Field(600.0, gt=0)
    export_threads: int = Field(
        3,
        ge=1,
        description="a job's exports run on this many threads; "
        "1 keeps a job to about one core (scale-out: a worker per core)",
    )
    job_max_attempts: int = Field(2, ge=1, description="runs of a job before it fails for good")
    lease_s: float = Field(
        20.0,
        gt=0,
        description="a running job not heartbeated for this long is taken to be orphaned",
    )
    malloc_arena_max: int = Field(
        2,
        ge=0,
        description="glibc malloc arenas of a serve or "
        "worker process (0: glibc's default of 8 per core); few "
        "arenas cut memory growth over bursts of jobs (docs/api.md, "
        "Memory)",
    )
    url_ttl_s: int = Field(7 * 24 * 3600, ge=1, description="lifetime of signed download URLs")
    signing_secret: str = Field("", description="HMAC key for URLs; empty: kept in data_dir")
    webhook_max_attempts: int = Field(
        8, ge=1, description="attempts of one webhook delivery before it is given up"
    )
    webhook_retry_base_s: float = Field(
        10.0,
        gt=0,
        description="wait after a webhook attempt "
        "fails; doubled after each further failure (max 1 h)",
    )
    webhook_timeout_s: float = Field(
        10.0, gt=0, description="connect and read limit of one webhook attempt"
    )
    event_streams_per_key: int = Field(
        4, ge=1, description="open event streams one key may have on one HTTP process (429 beyond)"
    )

    # Scale-out (docs/scaling.md): each part chosen here; the defaults need no other server.
    storage: Literal["local", "s3"] = Field("local", description="where artifacts live")
    s3_bucket: str = ""
    s3_endpoint_url: str = Field("", description="empty: AWS; else MinIO, Ceph RGW, ...")
    s3_public_endpoint_url: str = Field(
        "", description="endpoint in presigned URLs; empty: s3_endpoint_url"
    )
    s3_region: str = "us-east-1"
    s3_access_key_id: str = Field("", description="empty: boto3's credential chain")
    s3_secret_access_key: str = ""
    s3_prefix: str = Field("", description="key prefix inside the bucket")
    s3_redirect_downloads: bool = Field(
        True,
        description="/files/ answers 307 to a presigned URL; false: the API streams the object",
    )
    dispatch: Literal["local", "celery"] = Field(
        "local", description="who runs jobs: in-process threads or Celery workers"
    )
    broker_url: str = Field("", description="Celery broker, e.g. redis://host:6379/0")
    queue_name: str = Field(
        "i23d.jobs",
        description="Celery queue of job messages; a reconstructor other than classical "
        "uses QUEUE_NAME.RECONSTRUCTOR (see job_queue)",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'i23d.sqlite3').resolve()}"

    @property
    def job_queue(self) -> str:
        """The Celery queue of this deployment's job messages: ``queue_name`` for the classical
        reconstructor, ``queue_name.RECONSTRUCTOR`` for any other, so that only workers
        running that backend (a GPU pool) consume them."""
        if self.reconstructor == DEFAULT_RECONSTRUCTOR:
            return self.queue_name
        return f"{self.queue_name}.{self.reconstructor}"

    @property
    def max_request_bytes(self) -> int:
        """The request-body cap: the image cap in base64 (4/3, with MIME line breaks) plus
        64 KiB for the JSON around it. Enforced while the body streams in."""
        encoded = 4 * -(-self.max_image_bytes // 3)
        return encoded + encoded // 38 + REQUEST_SLACK_BYTES

    @property
    def key_queue_limits(self) -> dict[str, int]:
        """Queued jobs per key, by tier."""
        return {
            "standard": self.key_queue_limit_standard,
            "enterprise": self.key_queue_limit_enterprise,
        }

    @property
    def files_dir(self) -> Path:
        """Root of the local artifact store."""
        return self.data_dir / "files"


def settings_from_flags(flags: object, names: Iterable[str]) -> Settings:
    """Settings from the environment, overridden by the attributes of ``flags`` (parsed
    command-line flags) among ``names`` that were given (not None)."""
    overrides: dict[str, Any] = {
        name: getattr(flags, name) for name in names if getattr(flags, name, None) is not None
    }
    return Settings(**overrides)
