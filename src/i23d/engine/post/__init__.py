"""The steps of :func:`i23d.engine.postprocess.postprocess`, one concern per module.

``remesh`` (decimation, pure-quad remeshing), ``unwrap`` (UV atlases), ``bake`` (texture
transfer from the source model) and ``placement`` (``scaled_bbox`` and ``pivot_point``).
"""
