"""Data that ships with Counter: fonts, the demo catalog. Installed as ``counter.resources``."""
