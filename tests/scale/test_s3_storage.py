"""S3Storage against a real S3-compatible server: objects re-read with a separate boto3
client, prefixes, deletes past one page, and presigned URLs fetched over HTTP.

moto's server does not verify query-string (presigned) signatures or their expiry, so those two
properties are botocore's and AWS's, not tested here."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from tests.conftest import migrated
from tests.scale.servers import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, SCALE_EXTRA_HINT

pytestmark = pytest.mark.scale
boto3 = pytest.importorskip("boto3", reason=f"the scale extra is not installed: {SCALE_EXTRA_HINT}")

from i23d.storage.s3 import S3Storage  # noqa: E402


def _storage(endpoint: str, bucket: str, **extra: object) -> S3Storage:
    return S3Storage(
        bucket,
        endpoint_url=endpoint,
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY,
        secret_access_key=S3_SECRET_KEY,
        **extra,
    )  # type: ignore[arg-type]


def _raw_client(endpoint: str):  # noqa: ANN202 - a boto3 client
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )


def test_put_get_exists_with_prefix(s3_endpoint: str, s3_bucket: str) -> None:
    storage = _storage(s3_endpoint, s3_bucket, prefix="deploy-a/")
    payload = bytes(range(256)) * 1000
    storage.put("SESSION_1_1/preview/mesh.glb", payload)
    assert storage.exists("SESSION_1_1/preview/mesh.glb")
    assert not storage.exists("SESSION_1_1/preview/mesh.usdz")
    assert storage.get("SESSION_1_1/preview/mesh.glb") == payload
    stored = _raw_client(s3_endpoint).get_object(
        Bucket=s3_bucket, Key="deploy-a/SESSION_1_1/preview/mesh.glb"
    )
    assert stored["Body"].read() == payload
    storage.put("SESSION_1_1/preview/mesh.glb", b"second version")
    assert storage.get("SESSION_1_1/preview/mesh.glb") == b"second version"
    assert storage.local_path("SESSION_1_1/preview/mesh.glb") is None


def test_missing_object_is_file_not_found(s3_endpoint: str, s3_bucket: str) -> None:
    with pytest.raises(FileNotFoundError):
        _storage(s3_endpoint, s3_bucket).get("SESSION_1_2/input/image.png")


@pytest.mark.parametrize("key", ["../x", "a//b", "SESSION_1/../../etc", "a/b c", ""])
def test_rejects_bad_keys(s3_endpoint: str, s3_bucket: str, key: str) -> None:
    with pytest.raises(ValueError):
        _storage(s3_endpoint, s3_bucket).put(key, b"x")


def test_delete_prefix_removes_only_that_session_past_one_page(
    s3_endpoint: str, s3_bucket: str
) -> None:
    storage = _storage(s3_endpoint, s3_bucket, page_size=10)
    for i in range(23):  # three ListObjectsV2 / DeleteObjects pages
        storage.put(f"SESSION_9_1/spins/1/f{i}.png", b"p")
    storage.put("SESSION_9_10/input/image.png", b"other session, same leading digits")
    assert storage.delete_prefix("SESSION_9_1") == 23
    listing = _raw_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert [o["Key"] for o in listing["Contents"]] == ["SESSION_9_10/input/image.png"]
    assert storage.delete_prefix("SESSION_9_1") == 0


def test_presigned_url_serves_the_bytes_with_the_type(s3_endpoint: str, s3_bucket: str) -> None:
    storage = _storage(s3_endpoint, s3_bucket)
    storage.put("SESSION_3_3/preview/mesh.glb", b"glTF-binary-bytes")
    url = storage.download_url("SESSION_3_3/preview/mesh.glb", 600, "model/gltf-binary")
    assert url is not None
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"glTF-binary-bytes"
    assert response.headers["content-type"] == "model/gltf-binary"


def test_public_endpoint_signs_for_the_client_facing_host(s3_endpoint: str, s3_bucket: str) -> None:
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    storage = _storage(s3_endpoint, s3_bucket, public_endpoint_url=public)
    storage.put("SESSION_5_5/input/image.png", b"png")
    url = storage.download_url("SESSION_5_5/input/image.png", 60)
    assert url is not None
    assert url.startswith(public + "/" + s3_bucket + "/")
    assert httpx.get(url).content == b"png"


def test_without_redirects_the_store_offers_no_url(s3_endpoint: str, s3_bucket: str) -> None:
    storage = _storage(s3_endpoint, s3_bucket, redirect_downloads=False)
    storage.put("SESSION_6_6/preview/mesh.glb", b"glb")
    assert storage.download_url("SESSION_6_6/preview/mesh.glb", 60) is None


@pytest.mark.parametrize("redirect", [True, False])
def test_signed_links_redirect_to_the_store_or_stream_through_the_api(
    s3_endpoint: str, s3_bucket: str, tmp_path: Path, redirect: bool
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        workers=0,
        storage="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_endpoint,
        s3_region=S3_REGION,
        s3_access_key_id=S3_ACCESS_KEY,
        s3_secret_access_key=S3_SECRET_KEY,
        s3_redirect_downloads=redirect,
    )
    with TestClient(create_app(migrated(settings), run_workers=False)) as client:
        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        ctx.storage.put("SESSION_7_7/preview/mesh.glb", b"glb-bytes")
        answer = client.get(ctx.signer.path("SESSION_7_7/preview/mesh.glb"), follow_redirects=False)
        if redirect:
            assert answer.status_code == 307
            assert "X-Amz-Signature=" in answer.headers["location"]
            answer = httpx.get(answer.headers["location"])
        assert answer.status_code == 200
        assert answer.content == b"glb-bytes"
        assert answer.headers["content-type"] == "model/gltf-binary"
        gone = client.get(ctx.signer.path("SESSION_7_7/preview/gone.glb"))
        assert gone.status_code == 404
