"""The statistics page, driven by clicks and keys, computing on its worker thread."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from benchmarks.hall_data import generate, write
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.services.statistics_service import StatisticsService
from counter.store import audit_log
from counter.ui.statistics_page import StatisticsPage


def make_page(qtbot: QtBot, db: Database, store_path: Path, now: datetime,
              login: str = "zhangwei") -> StatisticsPage:  # fmt: skip
    session = sign_in(db, login, DEMO_PASSWORD, "1", now)
    page = StatisticsPage(store_path, session, lambda: Settings(), lambda: now)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    return page


def run(qtbot: QtBot, page: StatisticsPage) -> None:
    with qtbot.wait_signal(page.computed, timeout=20000):
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)


def test_a_month_by_window_shows_the_same_total_as_the_service(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    write(db, generate(date(2026, 8, 25), 42, tickets_per_day=30, intakes_per_day=12))
    page = make_page(qtbot, db, store_path, now)
    page.start.setDate(QDate(2026, 9, 15))
    page.dimension.setFocus()
    for _ in range(3):  # 全厅合计 → 按部门 → 按事项 → 按窗口
        qtbot.keyClick(page.dimension, Qt.Key.Key_Down)
    assert page.dimension.currentData() == Dimension.WINDOW
    run(qtbot, page)
    calendar = CalendarService(db, Settings().working_hours)
    expected = StatisticsService(db, calendar, RatingsService(db, calendar, Settings())).compute(
        Period.month(date(2026, 9, 1)), Dimension.WINDOW, now
    )
    model = page.table.model()
    last = model.rowCount() - 1
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert model.index(last, 0).data() == "合计"
    assert model.index(last, header.index("受理")).data() == str(expected.total.accepted)
    assert model.rowCount() == len(expected.groups) + 1
    assert page.summary_labels["受理办件"].text() == str(expected.total.accepted)


def test_the_page_exports_excel_that_reads_back(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime, tmp_path: Path
) -> None:
    write(db, generate(date(2026, 8, 25), 42, tickets_per_day=10, intakes_per_day=5))
    page = make_page(qtbot, db, store_path, now)
    page.start.setDate(QDate(2026, 9, 1))
    run(qtbot, page)
    assert page.xlsx_button.isEnabled()
    page.export_to(tmp_path / "m.xlsx", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "m.xlsx").read_bytes()))
    total = next(r for r in book["统计"].iter_rows(values_only=True) if r[0] == "合计")
    assert page.report is not None and total[1] == page.report.total.tickets


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_each_export_is_logged_in_the_audit_trail_with_its_file(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime, tmp_path: Path, kind: str
) -> None:
    write(db, generate(date(2026, 8, 25), 42, tickets_per_day=10, intakes_per_day=5))
    page = make_page(qtbot, db, store_path, now)
    page.start.setDate(QDate(2026, 9, 1))
    run(qtbot, page)
    dest = tmp_path / f"m.{kind}"
    page.export_to(dest, kind)
    logged = audit_log.for_target(db, "statistics:2026-09-01..2026-09-30")
    assert [e["action"] for e in logged] == ["export"]
    assert json.loads(logged[0]["detail"]) == {"kind": kind, "dimension": "全厅", "to": str(dest)}
    assert dest.stat().st_size > 0


def test_an_empty_range_is_an_empty_report_not_an_error(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    page = make_page(qtbot, db, store_path, now)
    page.kind.setCurrentIndex(3)
    page.start.setDate(QDate(2020, 1, 1))
    page.end.setDate(QDate(2020, 1, 10))
    run(qtbot, page)
    assert "没有数据" in page.status.text() and page.error.text() == ""


def test_a_range_ending_before_it_starts_is_refused_at_the_field(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    page = make_page(qtbot, db, store_path, now)
    page.kind.setCurrentIndex(3)
    page.start.setDate(QDate(2020, 1, 10))
    page.end.setDate(QDate(2020, 1, 1))
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    assert "结束日期" in page.error.text()


def test_a_clerk_is_told_the_statistics_are_for_the_supervisor(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    page = make_page(qtbot, db, store_path, now, login="lina")
    with qtbot.wait_signal(page.run_button.clicked):
        qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.text() != "", timeout=20000)
    assert "值班长" in page.error.text()
