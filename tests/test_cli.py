"""The run command, as CI and reviewers use it: a screenshot with no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication, QMessageBox

from counter.app import main


def test_screenshot_renders_the_main_window_offscreen_and_exits(tmp_path: Path) -> None:
    out = tmp_path / "window.png"
    env = {**os.environ, "COUNTER_DATA_DIR": str(tmp_path / "data")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--screenshot", str(out), "--query", "qykb"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.width >= 800 and image.height >= 500
    assert len(image.convert("L").getcolors(maxcolors=256) or []) > 20  # drawn, not blank
    assert (tmp_path / "data" / "counter.db").exists()


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "counter.db")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    env = {**os.environ, "COUNTER_DATA_DIR": str(data)}
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--screenshot", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "较新版本" in result.stderr


def test_a_relative_data_dir_works_on_every_start(tmp_path: Path) -> None:
    """``--data-dir data`` crashed the second start (a relative path has no file URI)."""
    env = dict(os.environ)
    env.pop("COUNTER_DATA_DIR", None)
    for n in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "counter.app", "--data-dir", "data", "--screenshot", f"{n}.png"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "counter.db").exists() and (tmp_path / "1.png").exists()


@pytest.mark.parametrize("where", ["file", "environment"])
def test_a_bad_setting_is_shown_in_a_dialog_and_the_file_is_left_alone(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    """From a launcher, a bad settings.toml value exited 2 with the reason on a stderr
    nobody sees: the app just did not start."""
    settings = tmp_path / "settings.toml"
    text = 'hall_name = "示范大厅"\n' + ('window_number = "abc"\n' if where == "file" else "")
    settings.write_text(text, encoding="utf-8")
    before = settings.stat()
    monkeypatch.setenv("COUNTER_CONFIG", str(settings))
    if where == "environment":
        monkeypatch.setenv("COUNTER_WINDOW_NUMBER", "abc")
    else:
        monkeypatch.delenv("COUNTER_WINDOW_NUMBER", raising=False)
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text)
    )
    assert main(["--data-dir", str(tmp_path / "data")]) != 0
    [dialog] = shown
    assert "window_number" in dialog and "窗口号应为 1–999 的数字" in dialog
    assert (str(settings) if where == "file" else "环境变量 COUNTER_WINDOW_NUMBER") in dialog
    assert dialog in capsys.readouterr().err
    assert settings.read_text(encoding="utf-8") == text
    assert settings.stat().st_mtime_ns == before.st_mtime_ns
    assert not (tmp_path / "data").exists()
