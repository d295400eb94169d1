"""A finished job leaves nothing alive: its meshes are reference cycles, which the worker frees
after each job instead of leaving them to a full collection that a big process rarely runs.

Automatic garbage collection is switched off while each test runs, so what is freed is freed
by the worker, not by chance."""

from __future__ import annotations

import base64
import gc
import time
import weakref
from collections.abc import Callable, Iterator

import pytest
import trimesh
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.jobs.local import LocalWorkers
from i23d.jobs.memory import release_job_memory
from i23d.sessions.keys import create_key
from i23d.sessions.service import JobTicket
from tests.conftest import object_png

SESSIONS = "/image-to-3d-sessions"


class _Cycle:
    """An object that refers to itself, holding a megabyte."""

    def __init__(self) -> None:
        self.me = self
        self.payload = bytearray(2**20)


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_release_job_memory_frees_unreachable_cycles(no_automatic_gc: None) -> None:
    ref = weakref.ref(_Cycle())
    assert ref() is not None, "a cycle outlives its last reference"
    assert release_job_memory() >= 1
    assert ref() is None


class _CycleRunner:
    """A job runner whose every job leaves a reference cycle behind, like a mesh does."""

    def __init__(self) -> None:
        self.left: list[weakref.ref[_Cycle]] = []

    def run(self, ticket: JobTicket) -> None:
        self.left.append(weakref.ref(_Cycle()))


def test_a_worker_frees_what_each_job_left(settings: Settings, no_automatic_gc: None) -> None:
    runner = _CycleRunner()
    with TestClient(create_app(settings, run_workers=False)) as client:
        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        headers = {"x-api-key": create_key(ctx.db, "enterprise")}
        image = "data:image/png;base64," + base64.b64encode(object_png(64)).decode()
        for _ in range(3):
            assert client.post(SESSIONS, json={"image_url": image}, headers=headers).is_success
        workers = LocalWorkers(ctx.service, runner, 1, poll_s=0.05)  # type: ignore[arg-type]
        workers.start()
        try:
            assert _wait(lambda: len(runner.left) == 3, 30)
        finally:
            workers.stop()  # joins the thread: it has finished cleaning up after its last job
    assert [ref() for ref in runner.left] == [None, None, None]


@pytest.mark.slow
def test_a_spin_job_leaves_no_mesh_alive(settings: Settings, no_automatic_gc: None) -> None:
    before = [o for o in gc.get_objects() if isinstance(o, trimesh.Trimesh)]  # other tests'
    with TestClient(create_app(settings)) as client:
        headers = {"x-api-key": create_key(client.app.state.ctx.db, "enterprise")}  # type: ignore[attr-defined]
        image = "data:image/png;base64," + base64.b64encode(object_png(128)).decode()
        code = client.post(
            SESSIONS, json={"image_url": image, "preview_mesh": "turbo"}, headers=headers
        ).json()["data"]["session_code"]

        def spins_done() -> bool:
            data = client.get(f"{SESSIONS}/{code}", headers=headers).json()["data"]
            return data["status"] != "spin_generate_processing"

        assert _wait(spins_done, 300)
    # The app has stopped its worker, which has finished cleaning up after the job.
    known = {id(o) for o in before}
    left = [o for o in gc.get_objects() if isinstance(o, trimesh.Trimesh) and id(o) not in known]
    assert left == []
