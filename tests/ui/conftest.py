from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from counter.ui.fonts import install_font


@pytest.fixture(autouse=True)
def chinese_font(qapp: QApplication) -> None:
    install_font(qapp)


def _python_threads() -> list[threading.Thread]:
    """Threads Python started: Qt's pool threads show up as dummies, which cannot be
    joined; the pool itself is waited for."""
    return [t for t in threading.enumerate() if type(t).__name__ != "_DummyThread"]


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    """A test leaves no worker running behind it: a page that starts a thread and never
    stops it is a page that keeps a closed store busy (qutebrowser and napari fail
    their tests on it too). Workers get a moment to finish what they were asked."""
    before = set(_python_threads())
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), f"{pool.activeThreadCount()} pool workers still running"
    for thread in set(_python_threads()) - before:
        thread.join(timeout=10)
    leaked = [t.name for t in set(_python_threads()) - before if t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def clock(now: datetime) -> Callable[[], datetime]:
    return lambda: now
