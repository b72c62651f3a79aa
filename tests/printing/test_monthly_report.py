"""The monthly PDF report and the CSV/XLSX exports, read back."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlite_utils import Database

from benchmarks.hall_data import generate, write
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period, Report
from counter.printing.monthly_report import monthly_report_pdf
from counter.printing.report_files import report_csv, report_xlsx
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.statistics_service import StatisticsService
from tests.printing.pdf_helpers import assert_font_embedded, pages_text, text

SEPTEMBER = Period.month(date(2026, 9, 1))


def statistics(db: Database) -> StatisticsService:
    calendar = CalendarService(db, Settings().working_hours)
    return StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))


@pytest.fixture
def report(db: Database, now: datetime) -> Report:
    write(db, generate(date(2026, 8, 25), 42, tickets_per_day=30, intakes_per_day=12))
    return statistics(db).compute(SEPTEMBER, Dimension.DEPARTMENT, now)


def test_the_monthly_report_is_one_page_holding_the_headline_figures(report: Report) -> None:
    pdf = monthly_report_pdf(report, "示范市政务服务中心")
    pages = pages_text(pdf)
    assert len(pages) == 1
    body = re.sub(r"\s", "", pages[0])
    assert "2026年9月" in body
    assert f"受理办件{report.total.accepted}" in body
    assert f"{report.total.good_rate * 100:.1f}%" in body
    assert f"{report.total.asked_per_case:.1f}（简单相加{report.total.naive_per_case:.1f}）" in body
    assert "市场监管局" in body


def test_the_monthly_report_embeds_only_the_bundled_font(report: Report) -> None:
    pdf = monthly_report_pdf(report, "示范市政务服务中心")
    assert_font_embedded(pdf)


def test_an_empty_month_gives_a_page_that_says_so(db: Database, now: datetime) -> None:
    report = statistics(db).compute(Period.month(date(2020, 2, 1)), Dimension.HALL, now)
    assert "本时段没有数据" in text(monthly_report_pdf(report, "示范市政务服务中心"))


def test_the_xlsx_export_reads_back_with_the_same_figures(report: Report) -> None:
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report, "示范市政务服务中心")))
    sheet = book["统计"]
    header = [c.value for c in sheet[2]]
    total = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "合计")
    assert total[header.index("受理")] == report.total.accepted
    assert total[header.index("取号")] == report.total.tickets
    assert total[header.index("好评率")] == pytest.approx(report.total.good_rate, abs=0.001)
    groups = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)][:-1]
    assert groups == [g.label for g in report.groups]
    assert book["每日"].max_row == 31


def test_the_csv_export_opens_in_a_spreadsheet(report: Report) -> None:
    data = report_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("部门,取号,")
    assert lines[-1].split(",")[5] == str(report.total.accepted)
