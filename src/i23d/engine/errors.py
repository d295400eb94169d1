"""Typed engine errors: each names the offending input so callers can map it to a 4xx."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on bad input.

    `field` names the input at fault (e.g. ``"image_url"``, ``"diffusion_time_steps"``) so a
    service can put it in its error envelope.
    """

    def __init__(self, message: str, field: str = "image") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidImage(EngineError):
    """The bytes are not a decodable PNG, JPEG or WebP image."""


class ImageTooLarge(EngineError):
    """The image exceeds the byte or pixel cap."""


class NoObjectFound(EngineError):
    """Segmentation found no foreground object in the image."""


class InvalidOption(EngineError):
    """An engine option is outside its allowed values or range."""
