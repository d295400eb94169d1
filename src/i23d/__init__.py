"""i23d: self-hosted image-to-3D with a CSM.ai-compatible API, running on a plain CPU."""

__version__ = "0.1.0"
