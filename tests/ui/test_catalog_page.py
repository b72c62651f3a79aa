from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.catalog import Bundle
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.catalog_service import CatalogService
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.store.paths import config_file
from counter.ui.application import build_main_window
from counter.ui.catalog_page import CatalogPage


@pytest.fixture
def page(qtbot: QtBot, db: Database) -> CatalogPage:
    widget = CatalogPage(CatalogService(db))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_typing_pinyin_initials_selects_the_startup_bundle(qtbot: QtBot, page: CatalogPage) -> None:
    page.search.setFocus()
    qtbot.keyClicks(page.search, "qykb")
    entry = page.selected_entry()
    assert entry is not None and entry.name == "企业开办"
    assert isinstance(entry.target, Bundle)
    assert "企业开办" in page.detail_title.text()
    assert "需提交" in page.reduction.text()
    assert page.checklist_model.rowCount() > 0


def test_down_arrow_moves_from_search_to_results(qtbot: QtBot, page: CatalogPage) -> None:
    qtbot.keyClicks(page.search, "qyzx")
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.results.hasFocus()
    qtbot.keyClick(page.results, Qt.Key.Key_Down)
    entry = page.selected_entry()
    assert entry is not None and entry.name in page.detail_title.text()


def test_a_query_with_no_match_says_so(qtbot: QtBot, page: CatalogPage) -> None:
    qtbot.keyClicks(page.search, "zzzzqqq")
    assert page.results_model.rowCount() == 0
    assert "没有找到" in page.detail_title.text()


def test_exempt_materials_show_their_shared_source(qtbot: QtBot, page: CatalogPage) -> None:
    qtbot.keyClicks(page.search, "qykb")
    texts = [
        page.checklist_model.index(row, 1).data() for row in range(page.checklist_model.rowCount())
    ]
    assert any(t.startswith("免提交（") for t in texts)


def test_results_model_passes_qt_model_checks(qtmodeltester, page: CatalogPage) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(page.results_model)
    qtmodeltester.check(page.checklist_model)


def test_main_window_shows_clerk_window_and_honest_offline_state(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    session = sign_in(db, "lina", DEMO_PASSWORD, "7", now)
    window = build_main_window(
        db, session, SettingsService(config_file()), str(store_path), lambda: now
    )
    qtbot.addWidget(window)
    window.show()
    assert "李娜" in window.who.text() and "7 号窗口" in window.who.text()
    qtbot.waitUntil(lambda: "本机未登记到中心" in window.online.text())
    assert "待上传" in window.online.text()
    window.sync_agent.stop()
    assert window.sidebar.count() == len(window.pages)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 0
