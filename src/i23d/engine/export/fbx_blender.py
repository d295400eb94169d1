"""Runs inside Blender's Python (``bpy``), not i23d's: builds one textured mesh and writes FBX.

Usage: ``python fbx_blender.py --serve`` reads one JSON job per line on stdin,
``{"mesh": MESH.npz, "texture": TEXTURE.png, "output": OUT.fbx}``, and answers each with a
line ``I23D-REPLY {"ok": true}`` (or ``{"ok": false, "error": ...}``) on stdout, among
Blender's own log lines; so Blender is imported once for many exports. The npz holds
``positions`` (V, 3) in i23d axes (metres, +Y up, front +Z), ``polygons`` (P, 3|4),
``corner_uv`` (P*k, 2), ``metallic`` and ``roughness``. Imports only bpy and numpy.
"""

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

import bpy
import numpy as np

REPLY_PREFIX = "I23D-REPLY "


def serve(handle: Callable[[dict], dict]) -> None:
    """Answer one JSON job per stdin line with ``handle(job)`` (merged into ``{"ok": true}``)
    until stdin closes; an error is reported and the next job starts from a clean scene."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = {"ok": True, **handle(json.loads(line))}
        except Exception as error:  # report it; the next job gets a clean scene anyway
            reply = {"ok": False, "error": f"{error!r}", "trace": traceback.format_exc()[-2000:]}
        sys.stdout.write(REPLY_PREFIX + json.dumps(reply) + "\n")
        sys.stdout.flush()


def export(mesh_path: str, texture_path: str, output_path: str) -> None:
    """Write the mesh with its texture embedded as one binary FBX."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    mesh_object(mesh_path, texture_path)
    bpy.ops.export_scene.fbx(
        filepath=output_path,
        use_selection=False,
        object_types={"MESH"},
        axis_forward="-Z",
        axis_up="Y",
        bake_space_transform=True,
        apply_unit_scale=True,
        apply_scale_options="FBX_SCALE_NONE",
        mesh_smooth_type="FACE",
        use_mesh_modifiers=False,
        add_leaf_bones=False,
        bake_anim=False,
        path_mode="COPY",
        embed_textures=True,
    )


def mesh_object(mesh_path: str, texture_path: str) -> Any:
    """The npz's textured mesh as a Blender object linked into the scene."""
    data = np.load(mesh_path)
    positions = data["positions"]
    # i23d (x, y, z) with +Y up is Blender (x, -z, y) with +Z up; the exporters map it back.
    blender_positions = np.column_stack([positions[:, 0], -positions[:, 2], positions[:, 1]])
    polygons = data["polygons"]
    mesh = bpy.data.meshes.new("model")
    mesh.from_pydata(blender_positions.tolist(), [], polygons.tolist())
    uv_layer = mesh.uv_layers.new(name="UVMap")
    uv_layer.data.foreach_set("uv", data["corner_uv"].astype(np.float32).ravel())
    mesh.polygons.foreach_set("use_smooth", np.ones(len(polygons), dtype=bool))
    mesh.validate()
    mesh.update()
    mesh.materials.append(
        _material(texture_path, float(data["metallic"]), float(data["roughness"]))
    )
    obj = bpy.data.objects.new("model", mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _material(texture_path: str, metallic: float, roughness: float) -> Any:
    material = bpy.data.materials.new("i23d")
    material.use_nodes = True
    nodes = material.node_tree.nodes
    shader = nodes.get("Principled BSDF")
    image_node = nodes.new("ShaderNodeTexImage")
    image_node.image = bpy.data.images.load(texture_path)
    material.node_tree.links.new(image_node.outputs["Color"], shader.inputs["Base Color"])
    shader.inputs["Metallic"].default_value = metallic
    shader.inputs["Roughness"].default_value = roughness
    return material


def _export_job(job: dict) -> dict:
    export(job["mesh"], job["texture"], job["output"])
    return {}


if __name__ == "__main__":
    serve(_export_job)
