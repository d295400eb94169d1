"""The Hunyuan3D-2 backend on a tiny random-weight model: loading, sampling, surfaces, stops.

What is asserted holds for any weights (the tiny model's shapes are meaningless). No test
may reach the network: :func:`no_network` refuses every outgoing connection.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

pytest.importorskip("hy3dgen", reason="the neural extra is not installed")
import torch  # noqa: E402

from i23d.engine.hunyuan3d.model import EmptyShape, ShapeModel, closed_surface  # noqa: E402
from i23d.engine.hunyuan3d.weights import MissingWeights, locate  # noqa: E402
from i23d.engine.options import EngineOptions  # noqa: E402
from i23d.engine.pipeline import Engine  # noqa: E402
from i23d.engine.reconstructors.hunyuan3d import (  # noqa: E402
    Hunyuan3DReconstructor,
    Hunyuan3DSettings,
)
from i23d.engine.reconstructors.registry import ReconstructorUnavailable, create  # noqa: E402
from i23d.jobs.work import JobStopped  # noqa: E402
from tests.conftest import object_png  # noqa: E402
from tests.neural.tiny_hunyuan import TINY_CONFIG, VARIANT, write_snapshot  # noqa: E402

OCTREES = {"spin_octree": 24, "turbo_octree": 32, "hd_octree": 40}
"""Octree resolutions small enough for the CPU: the decoding code is the same at any size."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every outgoing IP connection fails the test (a hub download would be one)."""
    real_connect = socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"network access attempted: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("hunyuan3d"))


@pytest.fixture(scope="module")
def reconstructor(snapshot: Path) -> Iterator[Hunyuan3DReconstructor]:
    backend = Hunyuan3DReconstructor(Hunyuan3DSettings(path=snapshot, device="cpu", **OCTREES))
    yield backend
    backend.release()


def test_missing_weights_name_the_expected_files_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / VARIANT).mkdir()
    (tmp_path / VARIANT / "config.yaml").write_text("model: {}\n")
    availability = Hunyuan3DReconstructor(Hunyuan3DSettings(path=tmp_path)).availability()
    assert not availability.ok
    for expected in (VARIANT, "config.yaml", "model.fp16.safetensors", "model.ckpt"):
        assert expected in availability.reason
    assert f"{VARIANT}/ (config.yaml)" in availability.reason  # what was found instead

    monkeypatch.setenv("I23D_HUNYUAN3D_PATH", str(tmp_path / "nowhere"))
    with pytest.raises(ReconstructorUnavailable, match="nowhere does not exist"):
        create("hunyuan3d")
    monkeypatch.delenv("I23D_HUNYUAN3D_PATH")
    with pytest.raises(ReconstructorUnavailable, match="set I23D_HUNYUAN3D_PATH"):
        create("hunyuan3d")


def test_an_image_encoder_named_by_hub_id_is_refused(tmp_path: Path) -> None:
    write_snapshot(tmp_path)
    config_path = tmp_path / VARIANT / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    encoder = config["conditioner"]["params"]["main_image_encoder"]["kwargs"]
    del encoder["config"]
    encoder["version"] = "facebook/dinov2-giant"
    config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(MissingWeights, match="never downloads"):
        ShapeModel.load(locate(tmp_path), "cpu")


@pytest.mark.parametrize("checkpoint", ["model.fp16.safetensors", "model.ckpt"])
def test_a_checkpoint_loads_through_from_single_file(tmp_path: Path, checkpoint: str) -> None:
    write_snapshot(tmp_path, checkpoint, seed=7)
    weights = locate(tmp_path)
    assert weights.checkpoint.name == checkpoint
    torch.manual_seed(8)  # the modules' own initialisation differs from the saved weights
    loaded = ShapeModel.load(weights, "cpu").state_dicts()
    torch.manual_seed(7)
    saved = ShapeModel.from_config(TINY_CONFIG, "cpu").state_dicts()
    for part in ("model", "vae", "conditioner"):
        assert loaded[part].keys() == saved[part].keys()
        for key, value in saved[part].items():
            assert torch.equal(loaded[part][key], value), (part, key)


def test_a_seed_samples_the_same_alone_and_in_a_batch(
    reconstructor: Hunyuan3DReconstructor,
) -> None:
    reconstructor.load()
    model = reconstructor._loaded()
    rgba = np.zeros((96, 96, 4), np.uint8)
    rgba[20:76, 30:66] = (200, 80, 40, 255)
    condition = model.encode(rgba)
    together = model.sample(condition, (0, 1, 2, 3), 16)
    alone = model.sample(condition, (2,), 16)
    assert together.shape[0] == 4
    assert np.allclose(together[2].numpy(), alone[0].numpy(), atol=1e-4)
    assert not np.allclose(together[0].numpy(), together[1].numpy())


def test_a_partly_refined_field_gives_a_closed_outward_surface() -> None:
    n = 48
    axis = np.linspace(-1.01, 1.01, n + 1)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    radius = np.sqrt(x**2 + y**2 + z**2)
    field = 0.6 - radius  # positive inside a sphere of radius 0.6
    field[np.abs(radius - 0.6) > 0.2] = np.nan  # the octree refined only near the surface
    vertices, faces = closed_surface(field, 1.01)
    mesh = trimesh.Trimesh(vertices, faces)
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume == pytest.approx(4 / 3 * np.pi * 0.6**3, rel=0.05)

    touching = 0.5 - np.abs(x)  # a slab through the whole box: closed where it meets the box
    slab = trimesh.Trimesh(*closed_surface(touching, 1.01))
    assert slab.is_watertight and slab.volume > 0

    with pytest.raises(EmptyShape):
        closed_surface(np.full((9, 9, 9), -1.0), 1.01)


def test_a_stop_raised_by_progress_ends_sampling_at_that_step(
    reconstructor: Hunyuan3DReconstructor,
) -> None:
    steps_seen: list[str] = []

    def progress(fraction: float, stage: str) -> None:
        if stage.startswith("sample step"):
            steps_seen.append(stage)
            if len(steps_seen) == 3:
                raise JobStopped("time limit reached")

    engine = Engine(reconstructor=reconstructor)
    with pytest.raises(JobStopped):
        engine.spins(object_png(128), EngineOptions(diffusion_time_steps=40), progress)
    assert steps_seen == ["sample step 1/40", "sample step 2/40", "sample step 3/40"]


def test_spins_are_four_scored_seeds_textured_from_the_photo(
    reconstructor: Hunyuan3DReconstructor,
) -> None:
    seen: list[float] = []
    spin_set = Engine(reconstructor=reconstructor).spins(
        object_png(128),
        EngineOptions(diffusion_time_steps=16),
        lambda fraction, stage: seen.append(fraction),
        videos=False,
    )
    assert [spin.label for spin in spin_set.spins] == ["seed 0", "seed 1", "seed 2", "seed 3"]
    assert spin_set.chosen == int(np.argmax([spin.score for spin in spin_set.spins]))
    assert seen == sorted(seen) and len(seen) > 16  # every sampler step reported
    for spin in spin_set.spins:
        mesh = spin.mesh
        assert mesh.is_watertight and mesh.volume > 0
        assert np.allclose(mesh.bounds.sum(axis=0), 0.0, atol=1e-6)  # centred
        assert mesh.extents.max() == pytest.approx(1.0)
        assert 0.0 <= spin.score <= 1.0 and "outline IoU" in spin.reason
        assert isinstance(mesh.visual, trimesh.visual.TextureVisuals)
        assert mesh.visual.material.baseColorTexture.size == (512, 512)
        # +Y up: the model's axes map onto the photo camera's without a turn (the photo is
        # seen head-on, no rim: elevation 0), only a scale and a shift.
        to_camera = np.array(mesh.metadata["input_camera"]["model_to_camera_frame"])
        rotation = to_camera[:3, :3] / np.cbrt(np.linalg.det(to_camera[:3, :3]))
        assert np.allclose(rotation, np.eye(3), atol=1e-6)
