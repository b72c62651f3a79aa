"""Where Counter keeps its files: the platform's folders unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "counter"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` first, then ``COUNTER_DATA_DIR``, then the platform's user data folder."""
    chosen = override or os.environ.get("COUNTER_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_file() -> Path:
    """``COUNTER_CONFIG`` or ``settings.toml`` in the platform's user config folder."""
    chosen = os.environ.get("COUNTER_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "settings.toml"
