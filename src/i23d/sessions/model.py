"""Database records: API keys, sessions, jobs and webhook deliveries (SQLAlchemy 2; SQLite and
PostgreSQL).

Times are unix seconds as floats so that lease arithmetic is the same on every database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every i23d table."""


class ApiKey(Base):
    """An API key, stored as the SHA-256 of the key (keys are 256-bit random strings)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Webhooks (docs/api.md): the URL new sessions of this key notify unless they name their
    # own, and the HMAC secret that signs every delivery (kept as is: it must sign; shown once).
    webhook_url: Mapped[str] = mapped_column(Text, default="")
    webhook_secret: Mapped[str] = mapped_column(String(64), default="")


class SessionRecord(Base):
    """One image-to-3D session: the caller's options, its status and its artifacts' keys."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    public_id: Mapped[str] = mapped_column(String(24))
    output_id: Mapped[str] = mapped_column(String(36))
    owner_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    tier_at_creation: Mapped[str] = mapped_column(String(16))

    status: Mapped[str] = mapped_column(String(32))
    session_status: Mapped[str] = mapped_column(String(16))
    percent_done: Mapped[float] = mapped_column(Float, default=0.0)
    failure_reason: Mapped[str] = mapped_column(Text, default="")

    image_url: Mapped[str] = mapped_column(Text)
    input_key: Mapped[str] = mapped_column(String(255))
    preview_mesh: Mapped[str] = mapped_column(String(8))
    pixel_alignment: Mapped[str] = mapped_column(String(16))
    model_resolution: Mapped[str] = mapped_column(String(8))
    diffusion_time_steps: Mapped[int] = mapped_column(Integer)
    auto_gen_3d: Mapped[bool] = mapped_column(Boolean)
    generate_preview_mesh: Mapped[bool] = mapped_column(Boolean)
    straight_through: Mapped[bool] = mapped_column(Boolean)
    manual_segmentation: Mapped[bool] = mapped_column(Boolean, default=False)
    topology: Mapped[str] = mapped_column(String(8), default="")
    resolution: Mapped[str] = mapped_column(String(16), default="")
    texture_resolution: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scaled_bbox: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    pivot_point: Mapped[list[float]] = mapped_column(JSON)

    spins: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    spin_generation: Mapped[int] = mapped_column(Integer, default=0)
    selected_spin_index: Mapped[int] = mapped_column(Integer, default=0)
    selected_spin: Mapped[str] = mapped_column(Text, default="")
    artifacts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)

    # Where status changes are POSTed ("" for nowhere), and the base URL the creating request
    # came to (the base of the download links in webhook payloads without public_base_url).
    webhook_url: Mapped[str] = mapped_column(Text, default="")
    base_url: Mapped[str] = mapped_column(Text, default="")


class Job(Base):
    """A unit of engine work for a session; the database is the truth about its state.

    ``state``: ``queued`` → ``running`` → ``done`` | ``failed`` | ``cancelled``. A running job
    holds a lease (``lease_owner`` until ``lease_expires_at``) renewed by heartbeats; a lease
    that lapses means its worker died, and the job is claimed again or failed.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reconstructor: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The backend the job needs ("": any worker, e.g. animation); workers claim only theirs."""
    state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    lease_expires_at: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeat_at: Mapped[float] = mapped_column(Float, default=0.0)
    deadline_at: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float] = mapped_column(Float, default=0.0)
    finished_at: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")


class WebhookDelivery(Base):
    """One status change of a session to POST to its ``webhook_url``, and the attempts so far.

    ``state``: ``pending`` (due at ``next_attempt_at``; a deliverer that takes it moves that
    time past its attempt, so a crashed deliverer's delivery becomes due again) → ``delivered``
    | ``failed`` (out of attempts). ``attempts`` lists each try: ``at``, ``status_code``
    (None without an answer), ``error`` and ``duration_ms``.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_attempt_at: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float] = mapped_column(Float, default=0.0)
