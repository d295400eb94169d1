"""Runs of a boolean row: where a mask's row (or column) crosses the object."""

from __future__ import annotations

import numpy as np


def row_runs(row: np.ndarray, min_width: int = 1) -> list[tuple[int, int]]:
    """(start, end) of each run of True in ``row`` (end exclusive) at least ``min_width``
    long."""
    padded = np.concatenate([[False], row, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        (int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_width
    ]
