"""Settings kept in a TOML file, each overridable by its ``COUNTER_<KEY>`` variable."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from counter.model.errors import ValidationError
from counter.model.settings import SETTINGS, Settings
from counter.store.paths import make_private_dir, open_private, tighten


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """File values, then environment overrides; a bad value is refused with its field named."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if path.exists():
        tighten(path)
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError("settings", f"设置文件 {path} 格式有误：{exc}") from None
    for declared in SETTINGS:
        if declared.env_var in environ:
            values[declared.key] = environ[declared.env_var]
    return Settings(values)


def save_settings(path: Path, settings: Settings) -> None:
    """Write only what differs from the defaults, atomically (write then rename); the
    file is created 0600 and its folder, if new, 0700."""
    make_private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with os.fdopen(open_private(tmp), "w", encoding="utf-8") as fh:
        fh.write(tomli_w.dumps(settings.non_defaults()))
    tmp.replace(path)
