"""Signed URLs: round trip, expiry, tampering, wrong file name, stable secret on disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from i23d.storage.signing import BadSignature, Expired, UrlSigner


def _split(path: str) -> tuple[str, str]:
    _, files, token, filename = path.split("/")
    assert files == "files"
    return token, filename


def test_round_trip_and_file_name() -> None:
    signer = UrlSigner(b"s" * 32, ttl_s=60)
    path = signer.path("SESSION_1_2/preview/mesh.glb")
    assert path.endswith("/mesh.glb")
    token, filename = _split(path)
    signed = signer.verify(token, filename)
    assert signed.key == "SESSION_1_2/preview/mesh.glb"
    assert time.time() < signed.expires_at <= time.time() + 61
    assert signer.key_of_url("http://h:1" + path) == "SESSION_1_2/preview/mesh.glb"


def test_expired_link_is_refused_but_still_recognised() -> None:
    signer = UrlSigner(b"s" * 32, ttl_s=10)
    path = signer.path("S/spins/1/spin_0.mp4", now=time.time() - 60)
    token, filename = _split(path)
    with pytest.raises(Expired):
        signer.verify(token, filename)
    assert signer.key_of_url(path) == "S/spins/1/spin_0.mp4"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t, f: (t[:-2] + ("AA" if not t.endswith("AA") else "BB"), f),  # signature bytes
        lambda t, f: ("x" + t, f),  # payload changed
        lambda t, f: (t, "mesh.usdz"),  # other file name
        lambda t, f: (t.split(".")[0], f),  # signature dropped
        lambda t, f: ("not-a-token", f),
    ],
)
def test_tampering_is_detected(mutate) -> None:  # type: ignore[no-untyped-def]
    signer = UrlSigner(b"s" * 32, ttl_s=60)
    token, filename = mutate(*_split(signer.path("S/preview/mesh.glb")))
    with pytest.raises(BadSignature):
        signer.verify(token, filename)


def test_other_secret_and_forged_expiry_fail() -> None:
    path = UrlSigner(b"a" * 32, ttl_s=60).path("S/preview/mesh.glb")
    token, filename = _split(path)
    with pytest.raises(BadSignature):
        UrlSigner(b"b" * 32, ttl_s=60).verify(token, filename)


def test_secret_is_created_once_and_kept(tmp_path: Path) -> None:
    first = UrlSigner.from_settings("", tmp_path, 60)
    second = UrlSigner.from_settings("", tmp_path, 60)
    token, filename = _split(first.path("S/a.png"))
    assert second.verify(token, filename).key == "S/a.png"
    assert (tmp_path / "signing.key").stat().st_mode & 0o077 == 0
