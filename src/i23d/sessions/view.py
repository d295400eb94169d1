"""The session object as CSM clients read it: every key of seed 000's example, plus
``session_status``, ``percent_done``, ``failure_reason``, ``scaled_bbox``, ``pivot_point``,
``webhook_url``.

Artifact fields hold signed, expiring download URLs (empty until the file exists).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from i23d import __version__
from i23d.engine.export import FORMATS
from i23d.engine.reconstructors.base import TEXTURE_SIZE
from i23d.sessions.model import Job, SessionRecord

SessionLike = SessionRecord | Row[Any]


def iso_time(seconds: float) -> str:
    """Unix seconds as CSM writes times: ``2024-02-21T09:48:31.604Z``."""
    stamp = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def session_to_dict(record: SessionLike, user_id: str, url: Callable[[str], str]) -> dict:
    """The session object; ``url(key)`` makes a signed download URL for a storage key."""
    artifacts = record.artifacts or {}

    def link(name: str) -> str:
        return url(artifacts[name]) if name in artifacts else ""

    spins = [
        {
            "index": spin["index"],
            "image_url": url(spin["video_key"]) if spin.get("video_key") else "",
            "still_url": url(spin["still_key"]) if spin.get("still_key") else "",
            "prior": spin["prior"],
            "score": spin["score"],
            "reason": spin["reason"],
        }
        for spin in record.spins or []
    ]
    input_url = url(record.input_key)
    answer: dict[str, Any] = {
        "_id": record.public_id,
        "user_id": user_id,
        "session_code": record.code,
        "image_url": record.image_url or input_url,  # a data: URI's stored copy
        "input_image": input_url,
        "caption": "",
        "discord_user_id": "",
        "user_name": "",
        "email": "",
        "preview_mesh_url": link("preview_mesh_url"),
        "mesh_url_usdz": link("mesh_url_usdz"),
        "mesh_url_glb": link("mesh_url_glb"),
        "reactions_count": 0,
        "emoji_reactions": {"heart": 0, "fire": 0, "exploding_head": 0, "meh": 0, "dislike": 0},
        "texture_resolution": record.texture_resolution
        or TEXTURE_SIZE.get(record.preview_mesh, 1024),
        "mesh_url": link("mesh_url"),
        "polished_mesh_url_usdz": link("polished_mesh_url_usdz"),
        "polished_mesh_url_glb": link("polished_mesh_url_glb"),
        "polished_mesh_url": link("polished_mesh_url"),
        "mesh_url_obj": link("mesh_url_obj"),
        "mesh_url_zip": link("mesh_url_zip"),
        "preview_mesh_url_zip": link("preview_mesh_url_zip"),
        "preview_mesh_url_glb": link("preview_mesh_url_glb"),
        "preview_mesh_url_usdz": link("preview_mesh_url_usdz"),
        "preview_mesh_url_fbx": link("preview_mesh_url_fbx"),
        "mesh_url_fbx": link("mesh_url_fbx"),
        "mp4_url": link("mp4_url"),
        "designer_mesh_url": "",
        "preview_mesh_url_3mf": link("preview_mesh_url_3mf"),
        "mesh_url_3mf": link("mesh_url_3mf"),
        "session_gif": link("session_gif"),
        "user_image": "",
        "percentage": round(record.percent_done),
        "price": 0,
        "status": record.status,
        "topology": record.topology or "tris",
        "resolution": record.resolution or "high_poly",
        "source": "api",
        "demo": False,
        "user_demo": False,
        "private": True,
        "debug": False,
        "random_poses": True,
        "inference": [],
        "output_id": record.output_id,
        "animated_walk_url": link("animated_walk_url"),
        "animated_run_url": link("animated_run_url"),
        "animated_jump_url": link("animated_jump_url"),
        "animated_walk_url_fbx": link("animated_walk_url_fbx"),
        "animated_run_url_fbx": link("animated_run_url_fbx"),
        "animated_jump_url_fbx": link("animated_jump_url_fbx"),
        "auto_gen_3d": record.auto_gen_3d,
        "server_type": "fast",
        "model_version": "i23d-cpu",
        "selected_spin": record.selected_spin,
        "is_deleted": record.is_deleted,
        "tier_at_creation": record.tier_at_creation,
        "reaction_by_admin": "",
        "manual_segmentation": record.manual_segmentation,
        "preview_mesh": record.preview_mesh,
        "pixel_alignment": record.pixel_alignment,
        "model_resolution": record.model_resolution,
        "product_version": __version__,
        "diffusion_time_steps": record.diffusion_time_steps,
        "selected_spin_index": record.selected_spin_index,
        "spins": spins,
        "created_at": iso_time(record.created_at),
        "updated_at": iso_time(record.updated_at),
        "session_status": record.session_status,
        "percent_done": round(record.percent_done, 1),
        "failure_reason": record.failure_reason,
        "generate_preview_mesh": record.generate_preview_mesh,
        "scaled_bbox": record.scaled_bbox or [],
        "pivot_point": record.pivot_point,
        "webhook_url": record.webhook_url,
    }
    # Fields of formats beyond CSM's (a format module added to this i23d) follow at the end.
    for fmt in FORMATS.values():
        for name in fmt.fields:
            answer.setdefault(name, link(name))
    return answer


def job_record(record: SessionLike, job: Job, user_id: str, input_url: str) -> dict[str, Any]:
    """The job record that get-3d/preview, refine and animate answer with (seed 001's shape)."""
    trial_key = f"{int(job.created_at * 1000)}{job.id:06d}"
    task = {
        "scenario": record.code,
        "unique_trial_key": trial_key,
        "image_url": input_url,
        "selected_spin_index": record.selected_spin_index,
        "call": job.kind,
    }
    return {
        "scenario": record.code,
        "unique_trial_key": trial_key,
        "status": "unprocessed",
        "complete_job_data": {
            "scenario": record.code,
            "job_priority": "2",
            "username": user_id,
            "call": job.kind,
            "user_id": user_id,
            "status": "unprocessed",
            "start_time": f"{job.created_at:.7f}",
            "unique_trial_key": trial_key,
            "task_data": json.dumps(task),
            "id": f"job:{job.kind}:{record.code}_{trial_key}",
        },
    }
