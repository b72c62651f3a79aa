"""The kiosk and the call board start without sign-in and render offscreen for review."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image


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
