"""A station's settings: its own file, with the hall's published settings on top."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.errors import ValidationError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.ratings_service import deadline_rules
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.store.settings_file import load_settings


def test_the_halls_published_name_wins_over_the_stations_file(tmp_path: Path) -> None:
    service = SettingsService(tmp_path / "settings.toml")
    service.use_published({"hall_name": "鼓楼区政务服务中心"})
    assert service.settings["hall_name"] == "鼓楼区政务服务中心"


def test_station_settings_cannot_be_published_by_the_hall(tmp_path: Path) -> None:
    service = SettingsService(tmp_path / "settings.toml")
    service.use_published({"ticket_printer": "escpos://10.0.0.9:9100"})
    assert service.settings["ticket_printer"] == ""


def test_saving_writes_only_the_stations_own_values(
    tmp_path: Path, db: Database, now: datetime
) -> None:
    path = tmp_path / "settings.toml"
    service = SettingsService(path)
    service.use_published({"hall_name": "鼓楼区政务服务中心"})
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    service.update(supervisor, {"hall_name": "旧名称", "window_number": "7"})
    saved = load_settings(path)
    assert saved["window_number"] == "7"
    assert saved["hall_name"] == "示范市政务服务中心"
    assert service.settings["hall_name"] == "鼓楼区政务服务中心"


def test_followup_days_refuse_half_days(tmp_path: Path, db: Database, now: datetime) -> None:
    path = tmp_path / "settings.toml"
    service = SettingsService(path)
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    for key in (
        "followup_callback_days",
        "followup_fix_days",
        "enterprise_response_days",
        "enterprise_resolution_months",
        "register_days",
    ):
        with pytest.raises(ValidationError) as refused:
            service.update(supervisor, {key: "0.5"})
        assert refused.value.field == key
        assert "不能填“0.5”这样的半天或小数" in refused.value.message
    assert not path.exists()
    assert deadline_rules(service.settings).callback_days == 1  # not cut down to 0
