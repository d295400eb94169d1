"""The ``i23d`` command line: one sub-command per module in :mod:`i23d.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: tuple[str, ...] = ("generate", "serve", "keys", "worker", "db")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; each command module adds its own sub-parser."""
    parser = argparse.ArgumentParser(prog="i23d", description="Image-to-3D on a plain CPU.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"i23d.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``i23d`` script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
