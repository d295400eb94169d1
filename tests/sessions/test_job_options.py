"""Job options travel as one typed object: picked from the request body, kept in the session
row's columns, carried by the claimed job and turned into the engine's and exporters' options."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from i23d.api.schemas import CreateSessionRequest
from i23d.engine.options import EngineOptions
from i23d.engine.postprocess import PostOptions
from i23d.engine.reconstructors.base import TEXTURE_SIZE
from i23d.sessions.job_options import JobOptions
from i23d.sessions.keys import create_key, find_caller
from i23d.sessions.service import SessionOptions, SessionService
from i23d.storage.local import LocalStorage
from tests.conftest import migrated_database


def test_picked_from_the_request_body_with_the_engines_defaults() -> None:
    body = CreateSessionRequest.model_validate(
        {
            "image_url": "http://x/y.png",
            "preview_mesh": "hd",
            "scaled_bbox": [2, 1, 1],
            "texture_resolution": 512,
            "manual_segmentation": True,  # not a job option: left out
        }
    )
    options = JobOptions.pick(body.model_dump())
    assert options == JobOptions(
        preview_mesh="hd", scaled_bbox=(2.0, 1.0, 1.0), texture_resolution=512
    )
    defaults = EngineOptions()
    assert (options.pixel_alignment, options.diffusion_time_steps) == (
        defaults.pixel_alignment,
        defaults.diffusion_time_steps,
    )
    assert options.pivot_point == PostOptions().pivot_point  # None in the body: the default


def test_kept_in_the_row_and_carried_to_the_worker_unchanged(tmp_path: Path) -> None:
    service = SessionService(
        migrated_database(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        LocalStorage(tmp_path / "files"),
        queue_limit=4,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=5,
    )
    caller = find_caller(service.db, create_key(service.db, "enterprise"))
    assert caller is not None
    sent = JobOptions(
        preview_mesh="hd",
        model_resolution="low",
        topology="quads",
        scaled_bbox=(2.0, 1.0, 0.5),
        pivot_point=(0.0, -0.5, 0.0),
    )
    record = service.create(
        caller, SessionOptions(image_url="http://x/y.png", job_options=sent), b"PNG", ".png"
    )
    with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
        columns = connection.execute(
            "SELECT preview_mesh, model_resolution, topology, resolution, texture_resolution, "
            "scaled_bbox, pivot_point FROM sessions WHERE code = ?",
            (record.code,),
        ).fetchone()
    assert columns == ("hd", "low", "quads", "", None, "[2.0, 1.0, 0.5]", "[0.0, -0.5, 0.0]")
    ticket = service.claim("w")
    assert ticket is not None and ticket.options == sent


def test_turned_into_the_engines_and_the_exporters_options() -> None:
    options = JobOptions(
        preview_mesh="hd", pixel_alignment="lowest", diffusion_time_steps=40, topology="quads"
    )
    assert options.engine_options() == EngineOptions(
        preview_mesh="hd", pixel_alignment="lowest", diffusion_time_steps=40
    )
    assert options.post_options(refine=False) == PostOptions()  # placement only
    refine = options.post_options(refine=True)
    assert (refine.topology, refine.resolution, refine.texture_resolution) == (
        "quads",
        "high_poly",
        TEXTURE_SIZE["hd"],
    )
