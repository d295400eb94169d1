"""Install test plugins the way pip would: a ``*.dist-info`` folder with ``entry_points.txt``
on ``sys.path``, read by ``importlib.metadata`` like any installed package's."""

from __future__ import annotations

from pathlib import Path

import pytest

ENTRY_POINTS = """\
[i23d.reconstructors]
toy = tests.engine.toy_backend:ToyReconstructor
needy = tests.engine.toy_backend:NeedyReconstructor
broken = tests.engine.no_such_backend:Missing
classical = tests.engine.toy_backend:ToyReconstructor
"""


def install_plugins(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put a distribution ``i23d-test-plugins`` with the entry points above on ``sys.path``."""
    info = root / "i23d_test_plugins-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: i23d-test-plugins\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(root))
