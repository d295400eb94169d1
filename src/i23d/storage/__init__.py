"""Artifact storage: a small interface, a local-disk backend, and signed expiring URLs."""

from i23d.storage.base import Storage
from i23d.storage.local import LocalStorage
from i23d.storage.signing import SignedFile, UrlSigner

__all__ = ["LocalStorage", "SignedFile", "Storage", "UrlSigner"]
