"""The kiosk and the call board start without sign-in and render offscreen for review."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication, QWidget


@pytest.mark.parametrize("mode", ["--kiosk", "--board"])
def test_station_screenshot_renders_offscreen_and_exits(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "station.png"
    env = {**os.environ, "COUNTER_DATA_DIR": str(tmp_path / "data")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", mode, "--screenshot", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.width >= 1280 and image.height >= 800
    assert len(image.convert("L").getcolors(maxcolors=256) or []) > 20


def test_kiosk_and_board_cannot_be_combined() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--kiosk", "--board"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not allowed with" in result.stderr


def test_the_full_screen_kiosk_paints_first_then_wires_its_printer_before_serving(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a screen (no --screenshot): the kiosk is painted before its slip printer and
    the print spool load, and the printer is wired before the event loop serves the
    first tap, so no ticket is issued without its slip."""
    from counter.app import system_clock
    from counter.model.settings import Settings
    from counter.services.bootstrap import DB_FILE, close_store
    from counter.ui import application

    seen: list[str] = []
    paints: list[application.FirstPaint] = []

    class Watched(application.FirstPaint):
        def __init__(self, widget: QWidget) -> None:
            super().__init__(widget)
            paints.append(self)

    wire = application.use_ticket_printer

    def use_ticket_printer(kiosk: QWidget, *args: object) -> None:
        seen.append("painted" if paints and paints[-1].at is not None else "not painted")
        wire(kiosk, *args)  # type: ignore[arg-type]
        seen.append("printer wired")

    monkeypatch.setattr(application, "FirstPaint", Watched)
    monkeypatch.setattr(application, "use_ticket_printer", use_ticket_printer)
    monkeypatch.setattr(application, "check_store_weekly", lambda *args: None)
    monkeypatch.setattr(qapp, "exec", lambda: seen.append("event loop") or 0)
    db, settings = application.open_desktop_store(tmp_path, Settings(), system_clock, show=False)
    args = argparse.Namespace(kiosk=True, board=False, rate=False, screenshot=None)
    try:
        assert (
            application.run_station(qapp, db, settings, args, system_clock, tmp_path / DB_FILE) == 0
        )
    finally:
        for widget in qapp.topLevelWidgets():
            widget.close()
            widget.deleteLater()
        close_store(db)
    assert seen == ["painted", "printer wired", "event loop"]


@pytest.mark.parametrize("mode", ["--kiosk", "--board"])
def test_a_station_whose_store_will_not_open_says_so_and_exits(tmp_path: Path, mode: str) -> None:
    """The station paints (请稍候…) before the store opens; a store that will not open
    is still said in the Chinese dialog, the station closes, and Counter exits non-zero."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "counter.db").write_bytes(b"not a database" * 300)
    code = f"""
from PySide6.QtWidgets import QApplication, QMessageBox
def critical(parent, title, text):
    shown = [type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible()]
    print("DIALOG", title, text, shown)
QMessageBox.critical = critical
from counter.app import main
exit_code = main([{mode!r}])
print("EXIT", exit_code, len([w for w in QApplication.topLevelWidgets() if w.isVisible()]))
"""
    env = {**os.environ, "COUNTER_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    window = "KioskWindow" if mode == "--kiosk" else "BoardWindow"
    assert f"DIALOG 综合窗口受理系统 无法启动 数据文件 {data / 'counter.db'} 不是 SQLite" in (
        result.stdout
    ), result.stderr
    assert f"['{window}']" in result.stdout  # painted before the store was opened
    assert "EXIT 2 0" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("station", ["--kiosk", "--board"])
def test_a_station_s_first_paint_is_saved_before_its_store_exists(
    tmp_path: Path, station: str
) -> None:
    """`--first-paint` (the start-up benchmark's finish line) saves the 请稍候… frame and
    exits before the store is opened: no store file is made."""
    shot, data = tmp_path / "first.png", tmp_path / "data"
    env = {**os.environ, "COUNTER_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "counter.app", station, "--first-paint", "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 0
    assert not (data / "counter.db").exists()
