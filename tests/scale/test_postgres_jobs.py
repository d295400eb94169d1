"""The job state machine on a real PostgreSQL: claims with FOR UPDATE SKIP LOCKED from many
threads at once, concurrent reapers, and the retry-once-then-fail rule for dead workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from i23d.sessions.errors import ServiceError
from i23d.sessions.keys import Caller, create_key, find_caller
from i23d.sessions.model import Job
from i23d.sessions.queue import JobTicket
from i23d.sessions.service import SessionOptions, SessionService
from i23d.storage.local import LocalStorage
from tests.conftest import migrated_database

SPINS = [
    {"index": i, "prior": p, "score": 0.5, "reason": "test", "video_key": "", "still_key": ""}
    for i, p in enumerate(("inflate", "revolve", "extrude", "relief"))
]


@pytest.fixture
def service(postgres_url: str, tmp_path: Path) -> Iterator[SessionService]:
    db = migrated_database(postgres_url)
    yield SessionService(
        db,
        LocalStorage(tmp_path / "files"),
        queue_limit=1000,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=30,
    )
    db.dispose()


@pytest.fixture
def caller(service: SessionService) -> Caller:
    found = find_caller(service.db, create_key(service.db, "standard"))
    assert found is not None
    return found


def _create_many(service: SessionService, caller: Caller, count: int) -> list[str]:
    return [
        service.create(caller, SessionOptions(image_url="http://x/y.png"), b"PNG", ".png").code
        for _ in range(count)
    ]


def _claim_all(service: SessionService, threads: int) -> list[JobTicket]:
    claimed: list[JobTicket] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def claim_until_empty(worker_id: str) -> None:
        start.wait()
        while (ticket := service.claim(worker_id)) is not None:
            with lock:
                claimed.append(ticket)

    pool = [threading.Thread(target=claim_until_empty, args=(f"w{i}",)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    return claimed


def _expire_leases(service: SessionService) -> None:
    with service.db.session() as db:
        db.execute(
            update(Job).where(Job.state == "running").values(lease_expires_at=time.time() - 1)
        )


def test_concurrent_claims_take_each_job_exactly_once(
    service: SessionService, caller: Caller
) -> None:
    codes = _create_many(service, caller, 60)
    claimed = _claim_all(service, threads=8)
    assert sorted(t.code for t in claimed) == sorted(codes)
    assert len({t.job_id for t in claimed}) == 60
    assert len({t.worker_id for t in claimed}) > 1  # the claims really were spread out
    assert service.queued_jobs() == 0


def test_claims_are_oldest_first(service: SessionService, caller: Caller) -> None:
    codes = _create_many(service, caller, 5)
    assert [service.claim("w").code for _ in codes] == codes  # type: ignore[union-attr]


def test_concurrent_reapers_requeue_each_dead_job_once(
    service: SessionService, caller: Caller
) -> None:
    _create_many(service, caller, 20)
    first = _claim_all(service, threads=4)
    _expire_leases(service)
    totals: list[dict[str, int]] = []
    start = threading.Barrier(6)

    def reap() -> None:
        start.wait()
        totals.append(service.reap())

    pool = [threading.Thread(target=reap) for _ in range(6)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    assert sum(t["requeued"] for t in totals) == 20
    assert sum(t["abandoned"] + t["timed_out"] for t in totals) == 0
    second = _claim_all(service, threads=4)
    assert sorted(t.job_id for t in second) == sorted(t.job_id for t in first)
    assert {t.attempt for t in second} == {2}
    # the first attempts' results are stale now and are dropped
    assert not service.finish(first[0], artifacts={}, spins=SPINS, chosen=0)


def test_a_job_whose_worker_dies_twice_fails_with_a_reason(
    service: SessionService, caller: Caller
) -> None:
    code = _create_many(service, caller, 1)[0]
    for attempt in (1, 2):
        ticket = service.claim(f"worker-{attempt}")
        assert ticket is not None and ticket.attempt == attempt
        _expire_leases(service)
        service.reap()
    record = service.get(caller, code)
    assert record.session_status == "failed"
    assert "attempt 2 of 2" in record.failure_reason
    with service.db.session() as db:
        job = db.scalar(select(Job))
        assert job is not None and (job.state, job.attempts) == ("failed", 2)
    assert service.claim("worker-3") is None


def test_a_finishing_worker_and_a_reaper_never_both_win(
    service: SessionService, caller: Caller
) -> None:
    _create_many(service, caller, 30)
    tickets = _claim_all(service, threads=3)
    _expire_leases(service)
    finished: list[bool] = []
    reaped: list[dict[str, int]] = []
    start = threading.Barrier(2)

    def finish_all() -> None:
        start.wait()
        finished.extend(service.finish(t, artifacts={}, spins=SPINS, chosen=0) for t in tickets)

    def reap_repeatedly() -> None:
        start.wait()
        reaped.extend(service.reap() for _ in range(5))

    pool = [threading.Thread(target=finish_all), threading.Thread(target=reap_repeatedly)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    requeued = sum(r["requeued"] for r in reaped)
    assert sum(finished) + requeued == 30
    with service.db.session() as db:
        states = [j.state for j in db.scalars(select(Job))]
    assert states.count("done") == sum(finished)
    assert states.count("queued") == requeued


def test_concurrent_creates_of_one_key_stay_within_its_limit(
    postgres_url: str, tmp_path: Path
) -> None:
    """Eight threads (as eight API processes would) create for one key at once: the key's row
    lock makes them count one after the other, so no more than its limit are queued."""
    db = migrated_database(postgres_url)
    service = SessionService(
        db,
        LocalStorage(tmp_path / "files"),
        queue_limit=1000,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=30,
        key_queue_limits={"standard": 3},
    )
    found = find_caller(db, create_key(db, "standard"))
    assert found is not None
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def create() -> None:
        start.wait()
        try:
            service.create(found, SessionOptions(image_url="http://x/y.png"), b"PNG", ".png")
            outcomes.append("created")
        except ServiceError as refused:
            outcomes.append(str(refused.status))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert sorted(outcomes) == ["429"] * 5 + ["created"] * 3
        assert service.queue.queued_of(found.key_id) == 3
    finally:
        db.dispose()
