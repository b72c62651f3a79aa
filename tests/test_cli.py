"""The run command, as CI and reviewers use it: a screenshot with no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image


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
