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

FIX_FILE = "请改正该文件后重新启动 Counter（文件未被改动）"


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """File values, then environment overrides; a bad value is refused naming where it
    came from (the file or the variable), the setting and what is wrong with it. The
    file is only read: a bad value is the person's to correct, never rewritten here."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if path.exists():
        tighten(path)
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                "settings", f"设置文件 {path} 格式有误：{exc}。{FIX_FILE}"
            ) from None
        overridden = {s.key for s in SETTINGS if s.env_var in environ}
        try:
            Settings({k: v for k, v in values.items() if k not in overridden})
        except ValidationError as exc:
            raise ValidationError(
                exc.field, f"设置文件 {path} 中的 {exc.field}：{exc.message}。{FIX_FILE}"
            ) from None
    for declared in SETTINGS:
        if declared.env_var in environ:
            values[declared.key] = environ[declared.env_var]
            try:
                declared.check(values[declared.key])
            except ValidationError as exc:
                raise ValidationError(
                    declared.key,
                    f"环境变量 {declared.env_var}（设置项 {declared.key}）：{exc.message}。"
                    "请改正后重新启动 Counter",
                ) from None
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
