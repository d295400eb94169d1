"""The ``i23d`` command line: one sub-command per module in :mod:`i23d.commands`.

The top-level parser knows only the commands' names and summaries; a command's module (and so
what it imports: the engine, the web framework, the database) is imported only when that
command is asked for, so ``i23d --help`` and ``i23d generate`` load no more than they need.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

COMMANDS: dict[str, str] = {
    "generate": "make a 3D model from one image, locally",
    "serve": "run the HTTP API with in-process workers",
    "keys": "manage API keys",
    "worker": "run engine workers only (no HTTP)",
    "db": "manage the database schema",
    "reconstructors": "list the reconstruction backends and whether each can run here",
}
"""Each command's name (its module in :mod:`i23d.commands`) and one-line summary."""

BLAS_THREADS_ENV = {"OPENBLAS_NUM_THREADS": "1"}
"""Set (unless already set) before any command imports numpy: the engine's linear algebra is
on small matrices, and OpenBLAS's default pool (a thread per core, for numpy's and for SciPy's
copy each, with their buffers) costs start-up time and competes with the job threads."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser. Only ``command``'s module is imported, to add its arguments
    (``add_arguments(parser)``); the other commands are listed by name and summary."""
    parser = argparse.ArgumentParser(prog="i23d", description="Image-to-3D on a plain CPU.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        if name == command:
            importlib.import_module(f"i23d.commands.{name}").add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command (``argv``: ``sys.argv[1:]`` by default); returns its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    command = _command_of(argv)
    args = build_parser(command).parse_args(argv)
    return int(args.run(args) or 0)


def script() -> int:
    """The ``i23d`` process: OpenBLAS without its thread pool (unless set), the command's
    imports kept out of garbage collection for good, then :func:`main`."""
    for name, value in BLAS_THREADS_ENV.items():
        os.environ.setdefault(name, value)
    command = _command_of(sys.argv[1:])
    if command is not None:
        # What the command imports lives as long as the process: no collection walks it while
        # it is imported (a full one costs about 60 ms at `generate`'s start), nor after.
        gc.disable()
        try:
            importlib.import_module(f"i23d.commands.{command}")
        finally:
            gc.freeze()
            gc.enable()
    return main()


def _command_of(argv: list[str]) -> str | None:
    """The command asked for: the top level takes no option but --help, so the first word."""
    word = next((word for word in argv if not word.startswith("-")), None)
    return word if word in COMMANDS else None


if __name__ == "__main__":
    sys.exit(script())
