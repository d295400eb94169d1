"""Quality benchmark: procedural ground-truth objects, rendered with a known camera, rebuilt by
the engine (and by naive baselines through the same code), scored with geometry and image
metrics. Run ``python -m bench.quality``."""
