"""A standing development set beside bench.quality: other objects and views to tune on."""
