"""The monthly PDF report and the CSV/XLSX exports, read back."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pypdf
import pypdfium2 as pdfium
import pytest
from pypdf.generic import ContentStream
from reportlab.lib.units import mm
from sqlite_utils import Database

from benchmarks.hall_data import generate, write
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period, Report
from counter.printing.monthly_report import charts, monthly_report_pdf
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


def _rectangles(pdf: bytes) -> int:
    """How many rectangles the page draws: every bar of a bar chart is one."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    stream = ContentStream(page.get_contents(), reader)
    return sum(1 for _operands, operator in stream.operations if operator == b"re")


def _lowest_text(pdf: bytes) -> tuple[float, float]:
    """The bottom of the lowest character on page 1, and the page's height (points)."""
    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    bottoms = [textpage.get_charbox(i)[1] for i in range(textpage.count_chars())]
    return min(bottoms), page.get_height()


@pytest.mark.parametrize("dimension", [Dimension.DEPARTMENT, Dimension.HALL, Dimension.CLERK])
def test_the_monthly_report_fills_its_one_page_with_the_statistics_charts(
    db: Database, now: datetime, dimension: Dimension
) -> None:
    """It used to be the totals, two small charts and half a page blank (issue 29)."""
    write(db, generate(date(2026, 8, 25), 42, tickets_per_day=30, intakes_per_day=12))
    report = statistics(db).compute(SEPTEMBER, dimension, now)
    pdf = monthly_report_pdf(report, "示范市政务服务中心")
    pages = pages_text(pdf)
    assert len(pages) == 1
    body = re.sub(r"\s", "", pages[0])
    for title in ("每日取号与受理", "评价等级分布", "办结时效"):  # the 统计 page's, and more
        assert title in body
    # 30 days of two bars each, five rating levels: every bar is drawn on the page
    assert _rectangles(pdf) >= 2 * len(report.daily) + 5
    lowest, height = _lowest_text(pdf)
    assert lowest < height * 0.2  # the page is used down to its foot, not half of it


def test_the_monthly_report_draws_the_trend_and_the_leading_groups(report: Report) -> None:
    width = 170 * mm
    drawn = [f for f in charts(report, width, 200 * mm) if hasattr(f, "contents")]
    drawn += [
        cell
        for table in charts(report, width, 200 * mm)
        if hasattr(table, "_cellvalues")
        for row in table._cellvalues
        for cell in row
    ]
    kinds = {type(shape).__name__ for d in drawn for shape in d.contents}
    assert {"VerticalBarChart", "Pie", "LinePlot", "HorizontalBarChart"} <= kinds
    body = re.sub(r"\s", "", text(monthly_report_pdf(report, "示范市政务服务中心")))
    assert "每日办结与好差评" in body and "按部门受理与办结" in body
