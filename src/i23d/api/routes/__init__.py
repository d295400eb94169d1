"""HTTP routes: the legacy CSM session endpoints, signed file downloads, health."""
