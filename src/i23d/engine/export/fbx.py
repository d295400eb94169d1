"""FBX (binary, texture embedded, quads kept), written by Blender's own exporter.

Blender as a Python module (``bpy``) is the only FBX writer whose files read back correctly
everywhere, but it needs CPython 3.11 and numpy<2, so it lives in its own environment
(``.venv-blender``, made by ``scripts/setup.sh``). Its interpreter is
``$I23D_BLENDER_PYTHON``, else ``<repo>/.venv-blender/bin/python``. One long-lived Blender
process per i23d process runs :mod:`i23d.engine.export.fbx_blender` (so ``bpy``'s ~1 s import
is paid once), takes one export at a time, and is started again if it dies. Without that
interpreter FBX is not offered (:func:`fbx_missing` says why).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import trimesh

from i23d.engine.asset import Asset
from i23d.engine.export.registry import ExportFormat, register

BLENDER_PYTHON_ENV = "I23D_BLENDER_PYTHON"
DEFAULT_BLENDER_PYTHON = Path(__file__).resolve().parents[4] / ".venv-blender" / "bin" / "python"
BLENDER_SCRIPT = Path(__file__).with_name("fbx_blender.py")
REPLY_PREFIX = b"I23D-REPLY "
TIMEOUT_S = 300.0


class BlenderUnavailable(RuntimeError):
    """No Python with ``bpy`` was found, so FBX cannot be written nor a model rigged."""


def blender_python() -> Path:
    """The interpreter that has ``bpy``; raises :class:`BlenderUnavailable` if it is missing."""
    path = Path(os.environ.get(BLENDER_PYTHON_ENV) or DEFAULT_BLENDER_PYTHON)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BlenderUnavailable(
            f"Blender as a Python module (bpy==5.0.1) is missing: no interpreter at "
            f"{path}; run scripts/setup.sh or set {BLENDER_PYTHON_ENV} to a Python with bpy"
        )
    return path


def blender_missing() -> str | None:
    """Why Blender's work (FBX, rigging) cannot run here (no Python with ``bpy``), or ``None``
    when it can."""
    try:
        blender_python()
    except BlenderUnavailable as missing:
        return str(missing)
    return None


def fbx_missing() -> str | None:
    """Why FBX cannot be written here, or ``None`` when it can."""
    missing = blender_missing()
    return None if missing is None else f"FBX export is not available here: {missing}"


def export_fbx(asset: Asset) -> bytes:
    """The asset as a binary FBX 7.4 with the texture embedded; quads stay quads."""
    interpreter = blender_python()
    with tempfile.TemporaryDirectory(prefix="i23d-fbx-") as folder:
        work = Path(folder)
        write_blender_mesh(asset, work / "mesh.npz")
        (work / "texture.png").write_bytes(asset.texture_png)
        output = work / "mesh.fbx"
        job = {"mesh": str(work / "mesh.npz"), "texture": str(work / "texture.png"),
               "output": str(output)}  # fmt: skip
        _worker.run(interpreter, job)
        return output.read_bytes()


class BlenderWorker:
    """A Blender process running ``script``, fed JSON jobs on stdin; replies are marked lines
    on its stdout. ``task`` names the work in error messages."""

    def __init__(self, script: Path, task: str) -> None:
        self.script = script
        self.task = task
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._interpreter: Path | None = None
        self._pending = b""

    def run(self, interpreter: Path, job: dict[str, str]) -> dict:
        """Send ``job``; returns Blender's reply (``{"ok": true, ...}``), raises on failure."""
        with self._lock:
            process = self._running(interpreter)
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps(job).encode() + b"\n")
                process.stdin.flush()
                reply = self._reply(process)
            except (OSError, TimeoutError) as error:
                self._stop()
                raise RuntimeError(f"Blender's {self.task} failed: {error}") from error
            if not reply.get("ok"):
                raise RuntimeError(f"Blender's {self.task} failed: {reply.get('error')}")
            return reply

    def _running(self, interpreter: Path) -> subprocess.Popen[bytes]:
        if self._process is not None and (
            self._process.poll() is not None or self._interpreter != interpreter
        ):
            self._stop()
        if self._process is None:
            self._process = subprocess.Popen(
                [str(interpreter), str(self.script)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._interpreter = interpreter
            self._pending = b""
        return self._process

    def _reply(self, process: subprocess.Popen[bytes]) -> dict:
        """The next reply line, skipping Blender's log lines, within :data:`TIMEOUT_S`."""
        assert process.stdout is not None
        descriptor = process.stdout.fileno()
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            while b"\n" in self._pending:
                line, self._pending = self._pending.split(b"\n", 1)
                if line.startswith(REPLY_PREFIX):
                    return json.loads(line[len(REPLY_PREFIX) :])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer from Blender within {TIMEOUT_S:.0f} s")
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if ready:
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    raise OSError(f"Blender exited (status {process.wait()})")
                self._pending += chunk

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
        self._process = None

    def close(self) -> None:
        with self._lock:
            self._stop()


_worker = BlenderWorker(BLENDER_SCRIPT, "FBX export")
atexit.register(_worker.close)

register(
    ExportFormat(
        "fbx",
        "mesh.fbx",
        "application/octet-stream",
        export_fbx,
        preview_field="preview_mesh_url_fbx",
        model_fields=("mesh_url_fbx",),
        unavailable=fbx_missing,
        slow=True,  # a Blender subprocess
    )
)


def write_blender_mesh(asset: Asset, path: Path) -> None:
    """Welded positions, polygons over them and per-corner UVs, as Blender builds meshes.

    The asset splits vertices along UV seams; FBX (like Blender) keeps UVs per polygon corner,
    so the geometry is welded back into one connected surface and the UVs ride on the corners.
    """
    positions, welded = trimesh.grouping.unique_rows(asset.vertices)
    polygons = asset.polygons
    material = asset.visual.material
    np.savez(
        path,
        positions=asset.vertices[positions].astype(np.float64),
        polygons=welded[polygons].astype(np.int32),
        corner_uv=asset.uv[polygons].reshape(-1, 2).astype(np.float32),
        metallic=np.float32(getattr(material, "metallicFactor", None) or 0.0),
        roughness=np.float32(getattr(material, "roughnessFactor", None) or 0.9),
    )
