"""Use cases: one call per user action, one transaction per call; no Qt, no clock reads."""
