"""Progress reporting: throttled writes into percent_done, deadline and ownership checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from i23d.jobs.work import JobStopped, ProgressReporter
from i23d.sessions.keys import create_key, find_caller
from i23d.sessions.service import SessionOptions, SessionService
from i23d.storage.local import LocalStorage
from tests.conftest import migrated_database


@pytest.fixture
def service(tmp_path: Path) -> SessionService:
    return SessionService(
        migrated_database(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        LocalStorage(tmp_path / "files"),
        queue_limit=8,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=10,
    )


def _claimed(service: SessionService):  # type: ignore[no-untyped-def]
    caller = find_caller(service.db, create_key(service.db, "standard"))
    assert caller is not None
    record = service.create(caller, SessionOptions(image_url="http://x/y.png"), b"img", ".png")
    ticket = service.claim("w")
    assert ticket is not None
    return caller, record, ticket


def test_spans_map_engine_fractions_and_throttle(service: SessionService) -> None:
    caller, record, ticket = _claimed(service)
    now = [1000.0]
    reporter = ProgressReporter(
        service, replace(ticket, deadline_at=2000.0), min_interval_s=0.5, clock=lambda: now[0]
    )
    callback = reporter.span(20, 60)
    callback(0.5, "spins")
    assert service.get(caller, record.code).percent_done == 40.0
    now[0] += 0.1
    callback(1.0, "spins")  # within the interval: not written
    assert service.get(caller, record.code).percent_done == 40.0
    now[0] += 1.0
    callback(2.0, "spins")  # clamped to the span's end
    assert service.get(caller, record.code).percent_done == 60.0


def test_deadline_and_lost_ownership_stop_the_job(service: SessionService) -> None:
    caller, record, ticket = _claimed(service)
    late = ProgressReporter(service, ticket, clock=lambda: ticket.deadline_at + 1)
    with pytest.raises(JobStopped, match="time limit"):
        late.set(10)
    service.delete(caller, record.code)
    reporter = ProgressReporter(service, ticket)
    with pytest.raises(JobStopped, match="no longer"):
        reporter.set(50, force=True)
