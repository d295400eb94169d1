"""The artifact store the settings choose: local files (default) or S3-compatible."""

from __future__ import annotations

from i23d.config import Settings
from i23d.storage.base import Storage
from i23d.storage.local import LocalStorage


def open_storage(settings: Settings) -> Storage:
    """``LocalStorage`` under ``data_dir/files``, or ``S3Storage`` when ``storage`` is ``s3``."""
    if settings.storage == "s3":
        from i23d.storage.s3 import S3Storage  # boto3 is in the optional "scale" extra

        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            prefix=settings.s3_prefix,
            public_endpoint_url=settings.s3_public_endpoint_url,
            redirect_downloads=settings.s3_redirect_downloads,
        )
    return LocalStorage(settings.files_dir)
