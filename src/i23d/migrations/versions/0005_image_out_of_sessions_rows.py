"""Take the photo out of the sessions table: a ``data:`` URI sent as ``image_url`` used to be
kept whole in ``sessions.image_url`` (megabytes per row, and left there after DELETE). The image
itself has always been stored under ``input_key`` too, so the row's copy is simply cleared: GET
answers a signed link to the stored copy instead. Deleted sessions lose their ``image_url`` and
``selected_spin`` as well. On SQLite the freed pages are zeroed (``secure_delete``, which the
application turns on for every connection).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")
    op.execute("UPDATE sessions SET image_url = '' WHERE lower(substr(image_url, 1, 5)) = 'data:'")
    op.execute("UPDATE sessions SET image_url = '', selected_spin = '' WHERE is_deleted")


def downgrade() -> None:
    """Nothing to restore: GET answers the stored copy's link for an empty ``image_url``."""
