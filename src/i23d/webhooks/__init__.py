"""Push instead of poll: signed webhook deliveries of session status changes (docs/api.md)."""
