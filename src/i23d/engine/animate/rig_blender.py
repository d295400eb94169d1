"""Runs inside Blender's Python (``bpy``), not i23d's: skins one textured mesh to an armature
and writes one binary glTF (and optionally one FBX) per animation clip.

Usage: ``python rig_blender.py`` reads one JSON job per line on stdin and answers each with a
line ``I23D-REPLY {"ok": true}`` (or ``{"ok": false, "error": ...}``) on stdout, among
Blender's own log lines, through :func:`i23d.engine.export.fbx_blender.serve`. A job is::

    {"mesh": MESH.npz, "texture": TEXTURE.png, "rig": RIG.json}

``MESH.npz`` is the FBX worker's (``positions`` in i23d axes, ``polygons``, ``corner_uv``,
``metallic``, ``roughness``). ``RIG.json`` holds ``bones`` (``name``, ``head``, ``tail``,
``parent``; i23d axes), ``weights`` (``"auto"``: Blender's automatic heat weights; ``"single"``:
every vertex on the first bone) and ``clips``: each a ``name``, ``fps``, ``frames``,
``rotations`` (bone -> one ``[w, x, y, z]`` per frame: the bone's rotation relative to its
parent, about its head, in the armature's rest axes, i23d axes), ``scales`` (bone -> one
``[x, y, z]`` per frame, in the bone's own axes, y along the bone), ``root_offset`` (one
``[x, y, z]`` per frame, i23d axes), ``glb`` and ``fbx`` (output paths; ``fbx`` may be null).
Imports bpy, numpy and the FBX worker's script.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any

import bpy
import numpy as np
from mathutils import Matrix, Quaternion, Vector

# Blender's Python has no i23d: the FBX worker's script, beside this package, is imported as a
# plain module for its mesh builder and its job loop.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))
from fbx_blender import mesh_object, serve  # noqa: E402

# i23d (x, y, z), +Y up, is Blender (x, -z, y), +Z up; the exporters map it back.
TO_BLENDER = Matrix(((1, 0, 0), (0, 0, -1), (0, 1, 0)))
FROM_BLENDER = TO_BLENDER.transposed()


def _animate_job(job: dict) -> dict:
    with open(job["rig"], encoding="utf-8") as handle:
        rig = json.load(handle)
    return {"seconds": animate(job["mesh"], job["texture"], rig)}


def animate(mesh_path: str, texture_path: str, rig: dict) -> dict[str, float]:
    """Build, bind and export; returns the seconds each step took."""
    started = time.perf_counter()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    model = mesh_object(mesh_path, texture_path)
    armature = _armature(rig["bones"])
    seconds = {"build": time.perf_counter() - started}
    started = time.perf_counter()
    _bind(model, armature, rig["weights"], rig["bones"])
    seconds["bind"] = time.perf_counter() - started
    seconds["keys"] = seconds["glb"] = seconds["fbx"] = 0.0
    for clip in rig["clips"]:
        started = time.perf_counter()
        for old in list(bpy.data.actions):  # one action in the file: the glTF gets this clip
            bpy.data.actions.remove(old)
        _action(armature, clip)
        scene = bpy.context.scene
        scene.name = clip["name"]  # the FBX's animation stack takes the scene's name
        scene.render.fps = int(clip["fps"])
        scene.frame_start, scene.frame_end = 0, int(clip["frames"]) - 1
        _select_only(armature, model)
        seconds["keys"] += time.perf_counter() - started
        started = time.perf_counter()
        bpy.ops.export_scene.gltf(
            filepath=clip["glb"],
            export_format="GLB",
            use_selection=True,
            export_yup=True,
            export_apply=False,
            export_animations=True,
            export_animation_mode="ACTIONS",
            export_frame_range=True,
            export_force_sampling=True,
            export_optimize_animation_size=False,
            export_def_bones=False,
            export_rest_position_armature=True,
            export_skins=True,
            export_all_influences=False,
            export_morph=False,
            export_image_format="AUTO",
            export_materials="EXPORT",
        )
        seconds["glb"] += time.perf_counter() - started
        started = time.perf_counter()
        if clip.get("fbx"):
            bpy.ops.export_scene.fbx(
                filepath=clip["fbx"],
                use_selection=True,
                object_types={"MESH", "ARMATURE"},
                axis_forward="-Z",
                axis_up="Y",
                apply_unit_scale=True,
                apply_scale_options="FBX_SCALE_NONE",
                mesh_smooth_type="FACE",
                use_mesh_modifiers=False,
                add_leaf_bones=False,
                primary_bone_axis="Y",
                secondary_bone_axis="X",
                use_armature_deform_only=True,
                bake_anim=True,
                bake_anim_use_all_bones=True,
                bake_anim_use_nla_strips=False,
                bake_anim_use_all_actions=False,
                bake_anim_force_startend_keying=True,
                bake_anim_step=1.0,
                bake_anim_simplify_factor=0.0,
                path_mode="COPY",
                embed_textures=True,
            )
        seconds["fbx"] += time.perf_counter() - started
    return seconds


def _armature(bones: list[dict]) -> Any:
    data = bpy.data.armatures.new("rig")
    armature = bpy.data.objects.new("rig", data)
    bpy.context.scene.collection.objects.link(armature)
    bpy.context.view_layer.objects.active = armature
    bpy.ops.object.mode_set(mode="EDIT")
    for spec in bones:
        bone = data.edit_bones.new(spec["name"])
        bone.head = TO_BLENDER @ Vector(spec["head"])
        bone.tail = TO_BLENDER @ Vector(spec["tail"])
        bone.roll = 0.0
        if spec["parent"]:
            bone.parent = data.edit_bones[spec["parent"]]
            bone.use_connect = False
    bpy.ops.object.mode_set(mode="OBJECT")
    return armature


def _select_only(*objects: Any) -> None:
    for obj in bpy.context.scene.objects:
        obj.select_set(obj in objects)


def _bind(model: Any, armature: Any, weights: str, bones: list[dict]) -> None:
    """Parent the mesh to the armature with automatic (heat) weights, or all on one bone;
    vertices the heat solution missed go wholly to the nearest bone."""
    _select_only(model, armature)
    bpy.context.view_layer.objects.active = armature
    if weights == "auto":
        bpy.ops.object.parent_set(type="ARMATURE_AUTO")
    else:
        bpy.ops.object.parent_set(type="ARMATURE_NAME")
    model.parent = None  # the armature modifier deforms it; a root node in glTF, as advised
    groups = {group.name: group for group in model.vertex_groups}
    count = len(model.data.vertices)
    totals = np.zeros(count)
    if weights == "auto":
        for vertex in model.data.vertices:
            totals[vertex.index] = sum(g.weight for g in vertex.groups)
    missing = np.flatnonzero(totals <= 1e-6)
    if len(missing) == 0:
        return
    positions = np.empty(count * 3)
    model.data.vertices.foreach_get("co", positions)
    points = positions.reshape(-1, 3)[missing]
    heads = np.array([TO_BLENDER @ Vector(b["head"]) for b in bones])
    tails = np.array([TO_BLENDER @ Vector(b["tail"]) for b in bones])
    nearest = _nearest_segment(points, heads, tails)
    for index, spec in enumerate(bones):
        chosen = missing[nearest == index]
        if len(chosen):
            groups[spec["name"]].add(chosen.tolist(), 1.0, "REPLACE")


def _nearest_segment(points: np.ndarray, heads: np.ndarray, tails: np.ndarray) -> np.ndarray:
    axis = tails - heads
    length2 = np.maximum((axis * axis).sum(axis=1), 1e-12)
    t = np.clip(((points[:, None, :] - heads[None]) * axis[None]).sum(axis=2) / length2, 0, 1)
    closest = heads[None] + t[..., None] * axis[None]
    return np.argmin(((points[:, None, :] - closest) ** 2).sum(axis=2), axis=1)


def _action(armature: Any, clip: dict) -> Any:
    """One action: each bone's rotation (and scale) per frame, the root's offset per frame."""
    action = bpy.data.actions.new(clip["name"])
    armature.animation_data_create()
    armature.animation_data.action = action
    pose = armature.pose
    root = next(b for b in pose.bones if b.parent is None)
    frames = range(int(clip["frames"]))
    for name, quaternions in clip["rotations"].items():
        bone = pose.bones[name]
        rest = bone.bone.matrix_local.to_3x3()
        bone.rotation_mode = "QUATERNION"
        for frame in frames:
            delta = TO_BLENDER @ Quaternion(quaternions[frame]).to_matrix() @ FROM_BLENDER
            bone.rotation_quaternion = (rest.transposed() @ delta @ rest).to_quaternion()
            bone.keyframe_insert("rotation_quaternion", frame=frame)
    for name, scales in clip.get("scales", {}).items():
        bone = pose.bones[name]
        for frame in frames:
            bone.scale = Vector(scales[frame])
            bone.keyframe_insert("scale", frame=frame)
    rest = root.bone.matrix_local.to_3x3()
    for frame in frames:
        root.location = rest.transposed() @ (TO_BLENDER @ Vector(clip["root_offset"][frame]))
        root.keyframe_insert("location", frame=frame)
    return action


if __name__ == "__main__":
    serve(_animate_job)
