"""A station's settings: its own file, with the hall's published settings on top."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
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
