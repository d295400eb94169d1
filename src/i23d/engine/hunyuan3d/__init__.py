"""Hunyuan3D-2's shape model (Tencent's ``hy3dgen``) as pure functions for i23d.

- :mod:`.weights`: where the weights are (the published snapshot's layout) and what is missing;
- :mod:`.shapegen`: importing hy3dgen's shape modules without what the shape path does not use;
- :mod:`.model`: load once, then encode the photo, sample latents per seed, decode a mesh.

Nothing here downloads: the weights come from a local folder, the image encoder is built from
the checkpoint's own ``config.yaml``. The package needs the ``neural`` extra (torch and
hy3dgen's shape dependencies); importing :mod:`.weights` alone needs neither.
"""
