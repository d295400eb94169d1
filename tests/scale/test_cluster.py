"""The cluster test on loopback: 2 API processes + 2 Celery worker processes + PostgreSQL + Redis +
S3; 50 sessions created concurrently through both APIs; one worker killed (SIGKILL, whole process
group) while it runs a job, and a replacement started. Every session must end done or failed with
a reason, none lost or duplicated, and every artifact must download through either API."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import object_png
from tests.scale.cluster import TERMINAL, Cluster, data_url, running_cluster

SESSIONS = 50


def _create(client: httpx.Client, api: str, key: str, image: str) -> str:
    response = client.post(
        f"{api}/image-to-3d-sessions",
        headers={"x-api-key": key},
        json={"image_url": image, "generate_preview_mesh": True, "preview_mesh": "turbo"},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["session_code"]


def _owner_pid(lease_owner: str) -> int:
    return int(lease_owner.split(":")[1])  # host:pid:nonce


def _kill_a_worker_mid_job(cluster: Cluster, timeout_s: float = 120) -> tuple[int, str]:
    """Wait for worker 0 to be running a job, SIGKILL it; returns (job id, its session)."""
    victim = cluster.workers[0]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = cluster.sql(
            "SELECT j.id, j.lease_owner, s.code FROM jobs j JOIN sessions s "
            "ON s.id = j.session_id WHERE j.state = 'running'"
        )
        for job_id, owner, code in rows:
            try:
                in_victim = os.getpgid(_owner_pid(owner)) == victim.pid
            except ProcessLookupError:
                continue
            if in_victim:
                cluster.kill_worker(victim)
                return job_id, code
        time.sleep(0.1)
    raise AssertionError("worker 0 never ran a job")


@pytest.mark.slow
def test_cluster_survives_a_killed_worker(
    postgres_cluster: str, redis_url: str, s3_endpoint: str, tmp_path: Path
) -> None:
    with running_cluster(
        tmp_path / "cluster", postgres_cluster, redis_url, s3_endpoint, "cluster_test"
    ) as cluster:
        key = cluster.create_key()
        apis = [cluster.start_api(), cluster.start_api()]
        cluster.start_worker()
        cluster.start_worker()
        image = data_url(object_png(96))

        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(10) as pool:
            codes = list(
                pool.map(lambda i: _create(client, apis[i % 2], key, image), range(SESSIONS))
            )
        assert len(set(codes)) == SESSIONS

        killed_job, killed_session = _kill_a_worker_mid_job(cluster)
        cluster.start_worker()  # the replacement host

        deadline = time.monotonic() + 600
        sessions: dict[str, dict] = {}
        with httpx.Client(timeout=30, headers={"x-api-key": key}) as client:
            while time.monotonic() < deadline and len(sessions) < SESSIONS:
                for i, code in enumerate(codes):
                    if code in sessions:
                        continue
                    data = client.get(f"{apis[i % 2]}/image-to-3d-sessions/{code}").json()["data"]
                    if data["session_status"] in TERMINAL:
                        sessions[code] = data
                time.sleep(0.5)
        assert len(sessions) == SESSIONS, f"unfinished: {set(codes) - set(sessions)}"

        failed = {
            c: s["failure_reason"] for c, s in sessions.items() if s["session_status"] == "failed"
        }
        assert all(reason for reason in failed.values()), failed
        assert not failed, f"sessions failed: {failed}"  # the killed one was retried, not failed

        # none lost, none duplicated: one session row and one job per request, each job done
        assert cluster.sql("SELECT count(*) FROM sessions")[0][0] == SESSIONS
        jobs = cluster.sql(
            "SELECT j.id, j.state, j.attempts, s.code FROM jobs j "
            "JOIN sessions s ON s.id = j.session_id"
        )
        assert sorted(code for *_, code in jobs) == sorted(codes)
        attempts = {job_id: n for job_id, _, n, _ in jobs}
        assert {state for _, state, _, _ in jobs} == {"done"}
        assert attempts.pop(killed_job) == 2  # retried once after its worker died
        assert set(attempts.values()) == {1}
        assert sessions[killed_session]["status"] == "preview_done"

        # every artifact, through either API: a redirect to the bucket, the same bytes
        with httpx.Client(timeout=30, follow_redirects=True, headers={"x-api-key": key}) as client:
            for i, code in enumerate(codes):
                bodies = []
                for api in (apis[i % 2], apis[(i + 1) % 2]):
                    data = client.get(f"{api}/image-to-3d-sessions/{code}").json()["data"]
                    download = client.get(data["preview_mesh_url_glb"])
                    assert download.status_code == 200, download.text
                    assert download.history[0].status_code == 307
                    bodies.append(download.content)
                assert bodies[0] == bodies[1] and bodies[0][:4] == b"glTF"
            listed = client.get(f"{apis[1]}/image-to-3d-sessions", params={"limit": 100})
            assert {s["session_code"] for s in listed.json()["data"]} == set(codes)
