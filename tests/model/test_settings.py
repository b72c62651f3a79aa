from __future__ import annotations

import pytest

from counter.model.errors import ValidationError
from counter.model.settings import SETTINGS, Settings


def test_defaults_fill_every_setting() -> None:
    settings = Settings()
    assert set(settings) == {s.key for s in SETTINGS}
    assert settings["mask_id"] is True


def test_every_setting_has_a_chinese_label_and_description() -> None:
    for declared in SETTINGS:
        assert declared.label and declared.description
        assert any("\u4e00" <= ch <= "\u9fff" for ch in declared.label)


def test_an_invalid_value_names_its_setting() -> None:
    with pytest.raises(ValidationError) as err:
        Settings({"window_number": "abc"})
    assert err.value.field == "window_number"
    assert "本机窗口号" in err.value.message


def test_bad_working_hours_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        Settings({"working_hours": "17:00-09:00"})
    assert err.value.field == "working_hours"


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="未知"):
        Settings({"colour": "red"})


def test_text_booleans_are_understood() -> None:
    assert Settings({"mask_phone": "false"})["mask_phone"] is False
