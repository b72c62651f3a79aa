from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtWidgets import QApplication

from counter.ui.fonts import install_font


@pytest.fixture(autouse=True)
def chinese_font(qapp: QApplication) -> None:
    install_font(qapp)


@pytest.fixture
def clock(now: datetime) -> Callable[[], datetime]:
    return lambda: now
