"""``counter --rate`` starts the rating pad without sign-in and renders offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image


def test_the_rating_pad_renders_offscreen_and_exits(tmp_path: Path) -> None:
    out = tmp_path / "rate.png"
    env = {**os.environ, "COUNTER_DATA_DIR": str(tmp_path / "data")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--rate", "--screenshot", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.width >= 1280 and image.height >= 800


def test_the_rating_pad_is_a_station_of_its_own() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--rate", "--kiosk"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "not allowed with" in result.stderr
