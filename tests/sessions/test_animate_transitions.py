"""The animate job in the session state machine: when it is allowed, what it animates, what it
clears, how it ends, and recovery when its worker is lost."""

from __future__ import annotations

import pytest

from i23d.sessions.keys import Caller
from i23d.sessions.model import Job
from i23d.sessions.service import ServiceError, SessionService
from tests.sessions.test_service import SPINS, _create, caller, service  # noqa: F401 - fixtures


def _previewed(service: SessionService, caller: Caller) -> str:  # noqa: F811
    record = _create(service, caller)
    spins = service.claim("w")
    assert spins is not None and service.finish(spins, artifacts={}, spins=SPINS, chosen=0)
    service.start_preview(caller, record.code, 0, "", None, None)
    preview = service.claim("w")
    assert preview is not None
    assert service.finish(preview, artifacts={"preview_mesh_url_glb": f"{record.code}/p.glb"})
    return record.code


def test_animate_after_a_preview_then_refine_clears_it(
    service: SessionService,  # noqa: F811
    caller: Caller,  # noqa: F811
) -> None:
    code = _previewed(service, caller)
    assert service.animation_source(caller, code) == f"{code}/p.glb"
    record, job = service.start_animate(caller, code, ["walk", "jump"], "auto")
    assert (record.status, record.session_status, job.kind) == ("animating", "queued", "animate")
    with pytest.raises(ServiceError) as busy:
        service.start_animate(caller, code, ["jump"], "auto")
    assert busy.value.status == 409 and busy.value.data == {"status": "animating"}
    ticket = service.claim("w")
    assert ticket is not None and ticket.payload == {
        "animations": ["walk", "jump"],
        "rig": "auto",
        "model_key": f"{code}/p.glb",
    }
    assert service.finish(
        ticket,
        artifacts={
            "animated_walk_url": f"{code}/animate/walk.glb",
            "animated_jump_url": f"{code}/animate/jump.glb",
        },
    )
    done = service.get(caller, code)
    assert (done.status, done.session_status, done.percent_done) == (
        "animate_done",
        "complete",
        100.0,
    )

    service.start_refine(caller, code, None, None)  # allowed after an animation
    refined = service.get(caller, code)
    assert "animated_walk_url" not in refined.artifacts  # they belonged to the old model
    ticket = service.claim("w")
    assert ticket is not None
    assert service.finish(ticket, artifacts={"mesh_url_glb": f"{code}/r.glb"})
    assert service.animation_source(caller, code) == f"{code}/r.glb"  # the newest model


def test_animate_needs_a_model(service: SessionService, caller: Caller) -> None:  # noqa: F811
    record = _create(service, caller)
    with pytest.raises(ServiceError) as early:
        service.start_animate(caller, record.code, ["jump"], "auto")
    assert early.value.status == 409 and "spin_generate_processing" in early.value.message


def test_a_failed_or_lost_animation_ends_with_a_reason(
    service: SessionService,  # noqa: F811
    caller: Caller,  # noqa: F811
) -> None:
    code = _previewed(service, caller)
    service.start_animate(caller, code, ["walk"], "auto")
    ticket = service.claim("w")
    assert ticket is not None
    assert service.fail(ticket, "animations: cannot walk: no legs were found")
    failed = service.get(caller, code)
    assert (failed.status, failed.session_status) == ("animate_failed", "failed")
    assert "no legs" in failed.failure_reason
    service.start_animate(caller, code, ["jump"], "auto")  # allowed again after a failure
    for attempt in range(2):  # the worker dies twice: requeued once, then failed
        ticket = service.claim(f"w{attempt}")
        assert ticket is not None
        with service.db.session() as db:
            db.get(Job, ticket.job_id).lease_expires_at = 0.0
        service.reap()
    lost = service.get(caller, code)
    assert lost.status == "animate_failed" and "worker stopped" in lost.failure_reason


def test_workers_claim_only_jobs_their_backend_can_run(
    service: SessionService,  # noqa: F811
    caller: Caller,  # noqa: F811
) -> None:
    """A GPU pool and a CPU pool on one database: reconstruction jobs queued by a deployment
    whose backend is ``gpu_model`` go only to workers running it; animation goes to any."""
    gpu_api = SessionService(
        service.db,
        service.storage,
        queue_limit=4,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=5,
        reconstructor="gpu_model",
    )
    record = _create(gpu_api, caller)
    assert service.claim("cpu worker") is None  # classical: not its job
    spins = gpu_api.claim("gpu worker")
    assert spins is not None and spins.kind == "spins"
    assert gpu_api.finish(spins, artifacts={}, spins=SPINS, chosen=0)
    gpu_api.start_preview(caller, record.code, 0, "", None, None)
    assert service.claim("cpu worker") is None
    preview = gpu_api.claim("gpu worker")
    assert preview is not None and preview.kind == "preview"
    assert gpu_api.finish(preview, artifacts={"preview_mesh_url_glb": f"{record.code}/p.glb"})
    gpu_api.start_animate(caller, record.code, ["jump"], "auto")
    animate = service.claim("cpu worker")
    assert animate is not None and animate.kind == "animate"
    with service.db.session() as db:
        kinds = {job.kind: job.reconstructor for job in db.query(Job)}
    assert kinds == {"spins": "gpu_model", "preview": "gpu_model", "animate": ""}
