"""What start-up reads before the sign-in dialog paints: where the station's settings
file and data folder are, and the file itself.

Apart from :mod:`counter.services.bootstrap` and the settings service on purpose: both
load the store's modules (sqlite-utils, the outbox, argon2), ≈0.2 s that the clerk's
first window no longer waits for (tests/test_lazy_imports.py).
"""

from __future__ import annotations

from counter.store.paths import config_file, data_dir
from counter.store.settings_file import load_settings

__all__ = ["config_file", "data_dir", "load_settings"]
