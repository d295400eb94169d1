"""Against a real ``i23d serve`` (uvicorn on 127.0.0.1): the seed's own snippet, plain-GET
downloads, and restart recovery after the server is killed mid-job."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from i23d.sessions.model import Job, SessionRecord
from i23d.sessions.store import Database
from tests.api.flows import check_glb, poll
from tests.serve_process import ServeProcess, start_serve

pytestmark = pytest.mark.slow


def call(
    server: ServeProcess, method: str, path: str, key: str, body: Any = None
) -> tuple[int, Any]:
    """One request as the seed's snippet makes it (JSON string body, x-api-key header)."""
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"x-api-key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def test_seed_example_against_real_server(data_dir: Path, image_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = image_server
    server = start_serve(data_dir, "--workers", "2")
    try:
        assert server.key, "first run prints an enterprise key"
        minted = subprocess.run(
            [
                sys.executable,
                "-m",
                "i23d.cli",
                "keys",
                "create",
                "--tier",
                "standard",
                "--data-dir",
                str(data_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        standard_key = minted.stdout.strip()
        assert re.fullmatch(r"i23d_\S+", standard_key)
        # The seed's snippet, placeholder image swapped for a real one.
        status, created = call(
            server,
            "POST",
            "/image-to-3d-sessions",
            standard_key,
            {
                "image_url": f"{base}/object512.jpg",
                "preview_mesh": "turbo",
                "pixel_alignment": "lowest",
                "model_resolution": "low",
            },
        )
        assert status == 201 and created["statusCode"] == 201
        code = created["data"]["session_code"]

        def get(c: str) -> dict[str, Any]:
            return call(server, "GET", f"/image-to-3d-sessions/{c}", standard_key)[1]["data"]

        spun, _ = poll(
            get,
            code,
            field="status",
            until={"spin_generate_done"},
            allowed={"spin_generate_processing"},
        )
        status, job = call(
            server,
            "POST",
            f"/image-to-3d-sessions/get-3d/preview/{code}",
            standard_key,
            {"selected_spin_index": 1, "selected_spin": spun["spins"][1]["image_url"]},
        )
        assert status == 200 and job["message"] == "Generating Mesh"
        done, _ = poll(
            get, code, field="status", until={"preview_done"}, allowed={"training_preview"}
        )
        target = tmp_path / "mesh.glb"
        urllib.request.urlretrieve(done["preview_mesh_url_glb"], target)  # no key
        check_glb(target.read_bytes())
        status, health = call(server, "GET", "/healthz", "")
        assert status == 200 and health["data"]["status"] == "ok"
    finally:
        server.stop()


def test_killed_server_recovers_every_session(data_dir: Path, image_server) -> None:  # type: ignore[no-untyped-def]
    base, _ = image_server
    env = {"I23D_LEASE_S": "1.5"}
    first = start_serve(data_dir, "--workers", "1", env=env)
    key = first.key
    codes = []
    try:
        for _ in range(2):
            status, created = call(
                first,
                "POST",
                "/image-to-3d-sessions",
                key,
                {"image_url": f"{base}/object.png", "preview_mesh": "turbo"},
            )
            assert status == 201
            codes.append(created["data"]["session_code"])

        def get_first(c: str) -> dict[str, Any]:
            return call(first, "GET", f"/image-to-3d-sessions/{c}", key)[1]["data"]

        poll(
            get_first,
            codes[0],
            field="session_status",
            until={"in_progress"},
            allowed={"queued"},
            timeout=60,
        )
    finally:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)

    second = start_serve(data_dir, "--workers", "2", env=env)
    try:
        assert not second.key  # not a first run any more

        def get(c: str) -> dict[str, Any]:
            return call(second, "GET", f"/image-to-3d-sessions/{c}", key)[1]["data"]

        for code in codes:
            done, _ = poll(
                get,
                code,
                field="status",
                until={"spin_generate_done", "spin_generate_failed"},
                allowed={"spin_generate_processing"},
                timeout=180,
            )
            assert done["status"] == "spin_generate_done", done["failure_reason"]
            assert len(done["spins"]) == 4
    finally:
        second.stop()
    db = Database(f"sqlite:///{data_dir / 'i23d.sqlite3'}")
    with db.read() as session:
        attempts = dict(
            session.execute(
                select(SessionRecord.code, Job.attempts).join(
                    Job, Job.session_id == SessionRecord.id
                )
            ).all()
        )
    db.dispose()
    assert attempts[codes[0]] == 2  # killed mid-job, then run again from the stored input
    assert attempts[codes[1]] == 1
