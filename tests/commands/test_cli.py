"""The ``i23d`` process itself: OpenBLAS starts without its thread pool unless the user asks, and
what the command imported is kept out of garbage collection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

THREADS_AFTER_GENERATE_PARSER = """
import contextlib, io, sys
from i23d.cli import script
sys.argv[1:] = ["generate", "--help"]
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    script()  # imports numpy, SciPy and the engine
import gc, os
print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"], gc.get_freeze_count())
"""


def _process(env: dict[str, str]) -> tuple[int, str, int]:
    completed = subprocess.run(
        [sys.executable, "-c", THREADS_AFTER_GENERATE_PARSER],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    threads, setting, frozen = completed.stdout.split()
    return int(threads), setting, int(frozen)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_the_script_starts_openblas_on_one_thread_unless_asked() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    threads, setting, frozen = _process(env)
    assert (threads, setting) == (1, "1")
    assert frozen > 10_000  # the engine's modules, numpy's, SciPy's...
    if (os.cpu_count() or 1) > 1:
        threads, setting, _ = _process({**env, "OPENBLAS_NUM_THREADS": "2"})
        assert setting == "2" and threads > 1
