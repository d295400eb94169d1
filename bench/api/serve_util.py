"""Start a real ``i23d serve`` for the benchmarks and read its URL and first-run key."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image


def start_server(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str, str]:
    """``i23d serve`` on 127.0.0.1 (any free port) with ``extra`` flags: (process, URL, key)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "i23d.cli", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(data_dir), "--allow-private-urls", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert process.stdout is not None
    key, lines, deadline = "", [], time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if match := re.match(r"^\s+(i23d_\S+)\s*$", line):
            key = match.group(1)
        if match := re.search(r"listening on (http://\S+)", line):
            log = (data_dir / "serve.log").open("w", buffering=1)
            threading.Thread(target=log.writelines, args=(process.stdout,), daemon=True).start()
            return process, match.group(1), key
    process.kill()
    raise RuntimeError("i23d serve did not start:\n" + "".join(lines))


def stop_server(process: subprocess.Popen[str]) -> None:
    """Terminate the server and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def object_jpeg(size: int) -> bytes:
    """A photo-like JPEG: a shaded orange ball on a light grey background."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = np.hypot(xx - size / 2, yy - size * 0.52) / (size * 0.33)
    shade = np.clip(1.0 - 0.45 * d**2, 0, 1)[..., None]
    ball = np.array([230, 120, 40], np.float32) * shade
    rgb = np.where((d < 1)[..., None], ball, np.float32(225)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)
