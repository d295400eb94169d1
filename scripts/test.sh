#!/usr/bin/env bash
# Runs the whole test suite (after scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy  # [tool.mypy] in pyproject.toml: src/
exec .venv/bin/python -m pytest -q "$@"
