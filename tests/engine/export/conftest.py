"""Assets shared by the export tests: built once per session (post-processing takes seconds)."""

from __future__ import annotations

import pytest

from i23d.engine.asset import Asset
from i23d.engine.postprocess import PostOptions, postprocess
from tests.engine.export.models import textured_blob

TRIS_OPTIONS = PostOptions(
    texture_resolution=256, scaled_bbox=(0.3, 0.5, 0.2), pivot_point=(0.0, -0.5, 0.0)
)
QUADS_OPTIONS = PostOptions(
    resolution="low_poly", topology="quads", texture_resolution=512, scaled_bbox=(2.0, 1.5, 1.0)
)


@pytest.fixture(scope="session")
def tris_asset() -> Asset:
    """Triangles, 256² texture, 0.3 x 0.5 x 0.2 m, bottom centre at the origin."""
    return postprocess(textured_blob(), TRIS_OPTIONS)


@pytest.fixture(scope="session")
def quads_asset() -> Asset:
    """Low-poly pure quads, re-baked 512² texture, 2 x 1.5 x 1 m, centred."""
    return postprocess(textured_blob(), QUADS_OPTIONS)
