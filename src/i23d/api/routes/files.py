"""Signed downloads: ``GET /files/{token}/{filename}`` works without an API key."""

from __future__ import annotations

import mimetypes
import time
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import FileResponse, RedirectResponse, Response

from i23d.api.context import AppContext, get_context
from i23d.api.image_intake import INPUT_FILES
from i23d.engine.export import format_of_suffix
from i23d.sessions.service import ServiceError
from i23d.storage.base import is_valid_key
from i23d.storage.signing import BadSignature, Expired, SignedFile

router = APIRouter(tags=["files"])


def media_type(filename: str) -> str:
    """The ``Content-Type`` of a stored file: its export format's, an input image's, or
    what its suffix usually means."""
    suffix = PurePath(filename).suffix.lower()
    fmt = format_of_suffix(suffix)
    if fmt is not None:
        return fmt.media_type
    inputs = {stored: kind for stored, kind in INPUT_FILES.values()}
    return inputs.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


@router.head("/files/{token}/{filename}", include_in_schema=False)
@router.get("/files/{token}/{filename}", summary="Download an artifact through a signed link")
def download(
    token: str, filename: str, ctx: Annotated[AppContext, Depends(get_context)]
) -> Response:
    """403 for an altered or expired link, 404 once the file is gone (session deleted)."""
    try:
        signed = ctx.signer.verify(token, filename)
    except Expired as exc:
        raise ServiceError(
            403,
            "this download link has expired; GET the session again for fresh links",
            field="token",
        ) from exc
    except BadSignature as exc:
        raise ServiceError(403, "invalid download link", field="token") from exc
    if not is_valid_key(signed.key):  # signed by us, but names nothing storable
        raise ServiceError(404, f"{filename[:64]} does not exist", field="filename")
    path = ctx.storage.local_path(signed.key)
    if path is not None:
        return FileResponse(
            path,
            media_type=media_type(path.name),
            headers={"Cache-Control": "private, max-age=3600"},
        )
    return _from_store(ctx, signed, filename)


def _from_store(ctx: AppContext, signed: SignedFile, filename: str) -> Response:
    """An object with no file on this machine: a 307 to the store's own URL (S3: presigned,
    living as long as the signed link), else the object streamed through this process."""
    if not ctx.storage.exists(signed.key):
        raise ServiceError(404, f"{filename[:64]} no longer exists", field="filename")
    content_type = media_type(filename)
    url = ctx.storage.download_url(
        signed.key, max(1, signed.expires_at - int(time.time())), content_type
    )
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    return Response(
        ctx.storage.get(signed.key),
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600"},
    )
