"""The import rules between layers: no import runs back up, workers never load the web
framework, and the CLI loads a command's modules only when that command runs."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "i23d"

ENTRY_POINTS = ("i23d.api", "i23d.commands", "i23d.cli")
"""The top of the stack: only these may import the API (and each other)."""
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "i23d.engine": ("i23d.",),  # pure: nothing of i23d outside the engine
    "i23d.sessions": ("i23d.migrations", "i23d.jobs", "i23d.runtime", *ENTRY_POINTS),
    "i23d.storage": ("i23d.sessions", "i23d.jobs", "i23d.runtime", *ENTRY_POINTS),
    "i23d.webhooks": ("i23d.jobs", "i23d.runtime", *ENTRY_POINTS),
    "i23d.jobs": ENTRY_POINTS,
    "i23d.migrations": ("i23d.runtime", *ENTRY_POINTS),
    "i23d.runtime": ENTRY_POINTS,
    "i23d.config": ENTRY_POINTS,
    "i23d.image_fetch": ENTRY_POINTS,
    "i23d.logs": ENTRY_POINTS,
}
"""Layer (module prefix) -> what none of its modules may import, even inside a function."""
ALLOWED_INSIDE = {"i23d.engine": ("i23d.engine",)}
"""Exceptions to a ``"i23d."`` rule: the layer's own modules."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it, as absolute names."""
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = (package or _module_name(path)).split(".")
                base = base[: len(base) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _breaks(module: str, imported: str) -> bool:
    for layer, forbidden in FORBIDDEN.items():
        if module != layer and not module.startswith(layer + "."):
            continue
        if any(imported.startswith(own) for own in ALLOWED_INSIDE.get(layer, ())):
            continue
        if any(imported == f or imported.startswith(f if f.endswith(".") else f + ".")
               for f in forbidden):  # fmt: skip
            return True
    return False


def test_no_import_runs_back_up_the_layers() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50
    broken = [
        f"{_module_name(path)} imports {name}"
        for path in modules
        for name in sorted(_imports(path))
        if name.startswith("i23d.") and _breaks(_module_name(path), name)
    ]
    assert broken == []


def test_the_rules_catch_an_upward_import() -> None:
    assert _breaks("i23d.jobs.celery_worker", "i23d.api.app")
    assert _breaks("i23d.sessions.store", "i23d.migrations")
    assert _breaks("i23d.engine.pipeline", "i23d.config")
    assert not _breaks("i23d.engine.pipeline", "i23d.engine.shapes")
    assert not _breaks("i23d.commands.serve", "i23d.api.app")


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(json.loads(completed.stdout.splitlines()[-1]))


def _matching(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes))


WEB = ("i23d.api", "fastapi", "starlette", "uvicorn")


def test_the_celery_worker_loads_no_web_framework() -> None:
    pytest.importorskip("celery", reason="the Celery worker needs the 'scale' extra")
    assert _matching(_loaded_after("import i23d.jobs.celery_worker"), WEB) == []


def test_i23d_worker_loads_no_web_framework() -> None:
    code = "from i23d.cli import build_parser; build_parser('worker')"
    loaded = _loaded_after(code)
    assert "i23d.commands.worker" in loaded
    assert _matching(loaded, WEB) == []


def test_help_loads_no_command() -> None:
    code = (
        "import contextlib, io\nfrom i23d.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    loaded = _loaded_after(code)
    assert _matching(loaded, ("i23d.commands", "i23d.engine", "i23d.config", "numpy")) == []


def test_generate_loads_no_server_database_or_unused_exporter() -> None:
    code = "from i23d.cli import build_parser; build_parser('generate')"
    loaded = _loaded_after(code)
    assert "i23d.engine.pipeline" in loaded
    unneeded = (*WEB, "sqlalchemy", "alembic", "i23d.sessions", "i23d.runtime.services", "pxr")
    assert _matching(loaded, unneeded) == []
