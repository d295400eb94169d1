"""Helpers of the API benchmarks: a photo-like test image and a process tree's CPU time."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image


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
