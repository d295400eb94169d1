"""An independent reader of skinned, animated binary glTF: skins the vertices itself.

Reads the file with pygltflib alone (nothing of i23d's): positions, ``JOINTS_0`` /
``WEIGHTS_0``, the skin's joints and inverse bind matrices, the node tree's rest transforms and
the animation's samplers; poses the mesh at any time by linear blend skinning (glTF 2.0 §3.7.3:
joint matrix = joint's global transform × its inverse bind matrix; a skinned mesh's own node
transform is ignored).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pygltflib

COMPONENTS = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


@dataclass
class SkinnedGlb:
    """One skinned mesh and one animation from a GLB."""

    gltf: pygltflib.GLTF2
    blob: bytes

    @classmethod
    def read(cls, data: bytes) -> SkinnedGlb:
        gltf = (
            pygltflib.GLTF2.load_from_bytes(data)
            if hasattr(pygltflib.GLTF2, "load_from_bytes")
            else pygltflib.GLTF2().load_from_bytes(data)
        )
        return cls(gltf, gltf.binary_blob())

    def accessor(self, index: int) -> np.ndarray:
        accessor = self.gltf.accessors[index]
        view = self.gltf.bufferViews[accessor.bufferView]
        dtype = np.dtype(COMPONENTS[accessor.componentType])
        width = WIDTH[accessor.type]
        start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
        stride = view.byteStride or dtype.itemsize * width
        raw = np.frombuffer(
            self.blob,
            np.uint8,
            count=stride * (accessor.count - 1) + dtype.itemsize * width,
            offset=start,
        )
        rows = np.lib.stride_tricks.as_strided(
            raw, (accessor.count, dtype.itemsize * width), (stride, 1)
        )
        values = np.ascontiguousarray(rows).view(dtype).reshape(accessor.count, width)
        if accessor.normalized:
            values = values.astype(np.float64) / np.iinfo(dtype).max
        return values

    @property
    def skinned_node(self) -> pygltflib.Node:
        return next(n for n in self.gltf.nodes if n.skin is not None and n.mesh is not None)

    def _primitives(self) -> list[pygltflib.Primitive]:
        return self.gltf.meshes[self.skinned_node.mesh].primitives

    @property
    def positions(self) -> np.ndarray:
        """(V, 3) bind-pose positions as stored."""
        return np.concatenate(
            [self.accessor(p.attributes.POSITION) for p in self._primitives()]
        ).astype(np.float64)

    @property
    def triangles(self) -> np.ndarray:
        faces, base = [], 0
        for p in self._primitives():
            faces.append(self.accessor(p.indices).reshape(-1, 3).astype(np.int64) + base)
            base += self.gltf.accessors[p.attributes.POSITION].count
        return np.concatenate(faces)

    @property
    def joints(self) -> np.ndarray:
        return np.concatenate(
            [self.accessor(p.attributes.JOINTS_0) for p in self._primitives()]
        ).astype(np.int64)

    @property
    def weights(self) -> np.ndarray:
        return np.concatenate(
            [self.accessor(p.attributes.WEIGHTS_0) for p in self._primitives()]
        ).astype(np.float64)

    @property
    def skin(self) -> pygltflib.Skin:
        return self.gltf.skins[self.skinned_node.skin]

    def joint_names(self) -> list[str]:
        return [self.gltf.nodes[j].name for j in self.skin.joints]

    @property
    def animation(self) -> pygltflib.Animation:
        return self.gltf.animations[0]

    @property
    def duration(self) -> float:
        return max(float(self.accessor(s.input).max()) for s in self.animation.samplers)

    def node_matrices(self, time: float | None) -> list[np.ndarray]:
        """Every node's global 4×4 at ``time`` (``None``: the rest pose)."""
        trs = [
            [
                np.array(n.translation or [0, 0, 0], float),
                np.array(n.rotation or [0, 0, 0, 1], float),
                np.array(n.scale or [1, 1, 1], float),
            ]
            for n in self.gltf.nodes
        ]
        if time is not None:
            for channel in self.animation.channels:
                sampler = self.animation.samplers[channel.sampler]
                value = _sample(
                    self.accessor(sampler.input)[:, 0],
                    self.accessor(sampler.output).astype(np.float64),
                    time,
                    channel.target.path == "rotation",
                )
                slot = {"translation": 0, "rotation": 1, "scale": 2}[channel.target.path]
                trs[channel.target.node][slot] = value
        local = [_matrix(*t) for t in trs]
        parents = {
            child: index for index, n in enumerate(self.gltf.nodes) for child in (n.children or [])
        }
        result: list[np.ndarray | None] = [None] * len(local)

        def world(index: int) -> np.ndarray:
            if result[index] is None:
                parent = parents.get(index)
                result[index] = local[index] if parent is None else world(parent) @ local[index]
            return result[index]

        return [world(i) for i in range(len(local))]

    def pose(self, time: float | None) -> np.ndarray:
        """(V, 3) skinned positions at ``time`` (``None``: the rest pose)."""
        nodes = self.node_matrices(time)
        inverse_binds = self.accessor(self.skin.inverseBindMatrices).astype(np.float64)
        joint_matrices = np.stack(
            [
                nodes[j] @ ibm.reshape(4, 4).T
                for j, ibm in zip(self.skin.joints, inverse_binds, strict=True)
            ]
        )
        positions = np.column_stack([self.positions, np.ones(len(self.positions))])
        blended = np.einsum("vk,vkij->vij", self.weights, joint_matrices[self.joints])
        return np.einsum("vij,vj->vi", blended, positions)[:, :3]


def _sample(times: np.ndarray, values: np.ndarray, t: float, rotation: bool) -> np.ndarray:
    """LINEAR interpolation (normalised lerp for rotations, which is close to slerp here)."""
    t = float(np.clip(t, times[0], times[-1]))
    index = (
        int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2))
        if len(times) > 1
        else 0
    )
    if len(times) == 1:
        return values[0]
    u = (t - times[index]) / max(times[index + 1] - times[index], 1e-12)
    a, b = values[index], values[index + 1]
    if rotation:
        b = b if np.dot(a, b) >= 0 else -b
        q = (1 - u) * a + u * b
        return q / np.linalg.norm(q)
    return (1 - u) * a + u * b


def _matrix(translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
    x, y, z, w = rotation / np.linalg.norm(rotation)
    r = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    m = np.eye(4)
    m[:3, :3] = r * scale[None, :]
    m[:3, 3] = translation
    return m


def read_glb(data: bytes | io.BytesIO) -> SkinnedGlb:
    """The skinned mesh and animation of a GLB's bytes."""
    return SkinnedGlb.read(data if isinstance(data, bytes) else data.getvalue())
