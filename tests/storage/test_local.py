"""Local storage: atomic writes, reads, prefix deletion, refusal of escaping keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from i23d.storage.local import LocalStorage


def test_put_get_replace_and_delete_prefix(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    store.put("SESSION_1_2/preview/mesh.glb", b"first")
    store.put("SESSION_1_2/preview/mesh.glb", b"second")
    store.put("SESSION_1_2/input/image.png", b"png")
    store.put("SESSION_9_9/input/image.png", b"other")
    assert store.get("SESSION_1_2/preview/mesh.glb") == b"second"
    assert (tmp_path / "files/SESSION_1_2/preview/mesh.glb").read_bytes() == b"second"
    assert not list((tmp_path / "files/SESSION_1_2/preview").glob(".tmp-*"))
    assert store.delete_prefix("SESSION_1_2") == 2
    assert not store.exists("SESSION_1_2/input/image.png")
    assert store.local_path("SESSION_1_2/preview/mesh.glb") is None
    assert store.get("SESSION_9_9/input/image.png") == b"other"
    assert store.delete_prefix("SESSION_1_2") == 0


def test_files_are_served_from_disk_not_from_a_store_url(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    store.put("SESSION_1_2/preview/mesh.glb", b"glb")
    assert (
        store.local_path("SESSION_1_2/preview/mesh.glb")
        == (tmp_path / "files/SESSION_1_2/preview/mesh.glb").resolve()
    )
    assert store.download_url("SESSION_1_2/preview/mesh.glb", 60, "model/gltf-binary") is None


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a/b c", ""])
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put(key, b"x")


def test_failed_write_leaves_old_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStorage(tmp_path)
    store.put("S/a.bin", b"old")

    def crash(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("i23d.storage.local.os.fsync", crash)
    with pytest.raises(OSError):
        store.put("S/a.bin", b"new")
    assert store.get("S/a.bin") == b"old"
    assert [p.name for p in (tmp_path / "S").iterdir()] == ["a.bin"]
