"""S3-compatible storage (AWS S3, MinIO, Ceph RGW, ...) through boto3, with presigned downloads.

A PUT of one object is atomic in S3 (readers see the old object or the new one), so ``put`` needs
no temp-and-rename. Objects live under an optional key prefix so several deployments can share
a bucket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from i23d.storage.base import check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}
MAX_PRESIGN_S = 7 * 24 * 3600  # the longest lifetime SigV4 allows


def _client(
    endpoint_url: str, region: str, access_key_id: str, secret_access_key: str, path_style: bool
) -> Any:
    config = Config(
        signature_version="s3v4",
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=32,
        s3={"addressing_style": "path" if path_style else "auto"},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=config,
    )


class S3Storage:
    """Objects in one bucket. Empty credentials fall back to boto3's usual chain (environment,
    profile, instance role). ``public_endpoint_url`` is the endpoint clients reach (it is part
    of a presigned URL's signature); it defaults to ``endpoint_url``. Without
    ``redirect_downloads``, :meth:`download_url` offers no URL and i23d streams objects."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        prefix: str = "",
        public_endpoint_url: str = "",
        page_size: int = 1000,
        redirect_downloads: bool = True,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.page_size = min(max(page_size, 1), 1000)  # DeleteObjects takes at most 1000 keys
        self.redirect_downloads = redirect_downloads
        path_style = bool(endpoint_url)  # self-hosted servers rarely have per-bucket DNS
        self._client = _client(endpoint_url, region, access_key_id, secret_access_key, path_style)
        public = public_endpoint_url or endpoint_url
        self._presigner = (
            self._client
            if public == endpoint_url
            else _client(public, region, access_key_id, secret_access_key, True)
        )

    def _key(self, key: str) -> str:
        check_key(key)
        return self.prefix + key

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(key) from exc
            raise
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def delete_prefix(self, prefix: str) -> int:
        folder = self._key(prefix) + "/"
        removed = 0
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                removed += len(keys)
        return removed

    def local_path(self, key: str) -> Path | None:
        return None

    def download_url(self, key: str, ttl_s: int, content_type: str | None = None) -> str | None:
        """A presigned GET URL for ``key``, valid for ``ttl_s`` seconds (1 s to 7 days); None
        without ``redirect_downloads``."""
        if not self.redirect_downloads:
            return None
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self._key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        return self._presigner.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=min(max(int(ttl_s), 1), MAX_PRESIGN_S)
        )
