"""The session state machine on a real SQLite database: transitions, 409s, atomic claims,
lease recovery, deadlines, the bounded queue, deletion."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from i23d.sessions.keys import Caller, create_key, find_caller
from i23d.sessions.service import (
    ServiceError,
    SessionOptions,
    SessionService,
)
from i23d.storage.local import LocalStorage
from tests.conftest import migrated_database

SPINS = [
    {
        "index": i,
        "prior": p,
        "score": 1.0 - i / 10,
        "reason": "test",
        "video_key": "",
        "still_key": "",
    }
    for i, p in enumerate(("inflate", "revolve", "extrude", "relief"))
]


@pytest.fixture
def service(tmp_path: Path) -> SessionService:
    db = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return SessionService(
        db,
        LocalStorage(tmp_path / "files"),
        queue_limit=4,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=5,
    )


@pytest.fixture
def caller(service: SessionService) -> Caller:
    found = find_caller(service.db, create_key(service.db, "standard"))
    assert found is not None
    return found


def _create(service: SessionService, caller: Caller, **options: object):  # type: ignore[no-untyped-def]
    return service.create(
        caller, SessionOptions(image_url="http://x/y.png", **options), b"PNGDATA", ".png"
    )


def test_spin_preview_refine_flow(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller)
    assert (record.status, record.session_status) == ("spin_generate_processing", "queued")
    assert service.storage.get(record.input_key) == b"PNGDATA"
    with pytest.raises(ServiceError) as early:
        service.start_preview(caller, record.code, 0, "", None, None)
    assert early.value.status == 409 and "spin_generate_processing" in early.value.message

    ticket = service.claim("w1")
    assert ticket is not None and ticket.kind == "spins" and ticket.attempt == 1
    assert service.get(caller, record.code).session_status == "in_progress"
    assert service.report_progress(ticket, 42.0)
    assert service.get(caller, record.code).percent_done == 42.0
    assert service.finish(ticket, artifacts={}, spins=SPINS, chosen=2)
    done = service.get(caller, record.code)
    assert (done.status, done.session_status, done.selected_spin_index) == (
        "spin_generate_done",
        "incomplete",
        2,
    )

    with pytest.raises(ServiceError) as refine_early:
        service.start_refine(caller, record.code, None, None)
    assert refine_early.value.status == 409
    with pytest.raises(ServiceError) as bad_index:
        service.start_preview(caller, record.code, 7, "", None, None)
    assert bad_index.value.status == 400
    queued, job = service.start_preview(caller, record.code, 1, "", [2.0, 1.0, 1.0], [0, -0.5, 0])
    assert queued.status == "training_preview" and job.kind == "preview"
    ticket = service.claim("w1")
    assert ticket is not None and ticket.payload == {"spin_index": 1, "prior": "revolve"}
    assert ticket.options["scaled_bbox"] == [2.0, 1.0, 1.0]
    service.finish(ticket, artifacts={"preview_mesh_url_glb": f"{record.code}/preview/mesh.glb"})
    assert service.get(caller, record.code).status == "preview_done"
    assert service.get(caller, record.code).session_status == "complete"

    service.start_refine(caller, record.code, None, None)
    ticket = service.claim("w1")
    assert ticket is not None and ticket.payload == {"prior": "revolve"}
    assert service.fail(ticket, "engine: boom")
    failed = service.get(caller, record.code)
    assert (failed.status, failed.session_status, failed.failure_reason) == (
        "refine_failed",
        "failed",
        "engine: boom",
    )


def test_auto_gen_3d_queues_the_chosen_spins_preview(
    service: SessionService, caller: Caller
) -> None:
    record = _create(service, caller, auto_gen_3d=True)
    ticket = service.claim("w")
    assert ticket is not None
    service.finish(ticket, artifacts={}, spins=SPINS, chosen=3)
    after = service.get(caller, record.code)
    assert (after.status, after.selected_spin_index) == ("training_preview", 3)
    preview = service.claim("w")
    assert preview is not None and preview.payload["prior"] == "relief"


def test_straight_through_request_is_one_job(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller, straight_through=True)
    assert record.status == "training_preview"
    ticket = service.claim("w")
    assert ticket is not None and ticket.kind == "oneshot"
    service.finish(ticket, artifacts={}, spins=SPINS, chosen=0)
    assert service.get(caller, record.code).session_status == "complete"


def test_other_callers_cannot_see_or_touch(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller)
    other = find_caller(service.db, create_key(service.db, "enterprise"))
    assert other is not None
    for action in (
        lambda: service.get(other, record.code),
        lambda: service.delete(other, record.code),
        lambda: service.regenerate_spins(other, record.code, {}),
    ):
        with pytest.raises(ServiceError) as err:
            action()
        assert err.value.status == 404
    assert service.list(other, 10, 1) == ([], 0)
    rows, total = service.list(caller, 10, 1)
    assert total == 1 and rows[0].code == record.code


def test_claims_are_atomic_across_threads(service: SessionService, caller: Caller) -> None:
    service.queue_limit = 100
    codes = {_create(service, caller).code for _ in range(24)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (ticket := service.claim(name)) is not None:
            with lock:
                claimed.append(ticket.code)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(codes)


def test_lapsed_lease_is_requeued_then_abandoned(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller)
    first = service.claim("dead-worker")
    assert first is not None
    service.lease_s = -1.0  # heartbeats now set an already-lapsed lease
    service.heartbeat("dead-worker", [first.job_id])
    assert service.reap() == {"timed_out": 0, "requeued": 1, "abandoned": 0}
    assert service.get(caller, record.code).session_status == "queued"
    assert not service.finish(first, artifacts={}, spins=SPINS, chosen=0)  # stale result
    second = service.claim("dead-worker-2")
    assert second is not None and second.attempt == 2
    assert service.reap() == {"timed_out": 0, "requeued": 0, "abandoned": 1}
    failed = service.get(caller, record.code)
    assert failed.status == "spin_generate_failed"
    assert "attempt 2 of 2" in failed.failure_reason


def test_overrun_job_fails_with_reason(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller)
    service.job_time_limit_s = 0.01
    ticket = service.claim("w")
    assert ticket is not None
    time.sleep(0.05)
    assert service.reap()["timed_out"] == 1
    after = service.get(caller, record.code)
    assert after.status == "spin_generate_failed" and "timed out" in after.failure_reason
    assert not service.report_progress(ticket, 50)


def test_bounded_queue_answers_429_with_retry_after(
    service: SessionService, caller: Caller
) -> None:
    for _ in range(service.queue_limit):
        _create(service, caller)
    with pytest.raises(ServiceError) as full:
        _create(service, caller)
    assert full.value.status == 429
    assert int(full.value.headers["Retry-After"]) >= 1


def test_delete_cancels_jobs_and_removes_files(service: SessionService, caller: Caller) -> None:
    record = _create(service, caller)
    ticket = service.claim("w")
    assert ticket is not None
    service.storage.put(f"{record.code}/spins/1/spin_0.mp4", b"mp4")
    assert service.delete(caller, record.code) == 2
    assert not (Path(service.storage.root) / record.code).exists()  # type: ignore[attr-defined]
    with pytest.raises(ServiceError) as gone:
        service.get(caller, record.code)
    assert gone.value.status == 404
    assert not service.finish(ticket, artifacts={}, spins=SPINS, chosen=0)
    assert service.queued_jobs() == 0
    service.storage.put(f"{record.code}/spins/1/spin_1.mp4", b"written after the delete")
    assert service.discard_if_deleted(ticket)
    assert not (Path(service.storage.root) / record.code).exists()  # type: ignore[attr-defined]
