"""The ``i23d`` process itself: OpenBLAS starts without its thread pool unless the user asks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

THREADS_AFTER_GENERATE_PARSER = """
import contextlib, io
from i23d.cli import main
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(["generate", "--help"])  # imports numpy, SciPy and the engine
import os
print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"])
"""


def _threads(env: dict[str, str]) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-c", THREADS_AFTER_GENERATE_PARSER],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    threads, setting = completed.stdout.split()
    return int(threads), setting


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_commands_start_openblas_on_one_thread_unless_asked() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _threads(env) == (1, "1")
    if (os.cpu_count() or 1) > 1:
        threads, setting = _threads({**env, "OPENBLAS_NUM_THREADS": "2"})
        assert setting == "2" and threads > 1
