"""Sessions: records, API keys, and the state machine that moves a session through its jobs."""
