from __future__ import annotations

from pathlib import Path

import pytest

from counter.model.errors import ValidationError
from counter.store.settings_file import load_settings, save_settings


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml", environ={})["window_number"] == "1"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('hall_name = "文件里的大厅"\n', encoding="utf-8")
    settings = load_settings(path, environ={"COUNTER_HALL_NAME": "环境变量大厅"})
    assert settings["hall_name"] == "环境变量大厅"


def test_only_changed_values_are_written(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    save_settings(path, load_settings(path, environ={}).changed(window_number="9"))
    assert path.read_text(encoding="utf-8").strip() == 'window_number = "9"'


def test_a_broken_settings_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("hall_name = \n", encoding="utf-8")
    with pytest.raises(ValidationError, match="设置文件"):
        load_settings(path, environ={})


def test_a_bad_environment_value_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        load_settings(tmp_path / "x.toml", environ={"COUNTER_MASK_ID": "maybe"})
    assert err.value.field == "mask_id"
