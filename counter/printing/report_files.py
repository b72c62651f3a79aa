"""The statistics table as files a supervisor sends on: CSV and XLSX.

Numbers go into XLSX cells as numbers (so the reader can sum them); "—" (not
applicable) stays text. CSV carries a BOM so spreadsheet programs read the Chinese.
"""

from __future__ import annotations

import io

from counter.model.statistics import Report, csv_text, headlines, table_rows


def report_csv(report: Report) -> bytes:
    return csv_text(report).encode("utf-8-sig")


def _cell(text: str) -> str | int | float:
    if text.endswith("%"):
        try:
            return float(text[:-1]) / 100
        except ValueError:
            return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def report_xlsx(report: Report, hall_name: str) -> bytes:
    from openpyxl import Workbook  # 0.07 s to import: when asked for, not at start-up
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "统计"
    sheet.append([f"{hall_name} 统计（{report.period.label}）", report.scope])
    sheet["A1"].font = Font(bold=True)
    rows = table_rows(report)
    sheet.append(rows[0])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in rows[1:]:
        sheet.append([row[0], *(_cell(x) for x in row[1:])])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float) and rows[0][cell.column - 1] == "好评率":
                cell.number_format = "0.0%"
    sheet.column_dimensions["A"].width = 18
    summary = book.create_sheet("摘要")
    for name, value in headlines(report):
        summary.append([name, value])
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 40
    daily = book.create_sheet("每日")
    daily.append(["日期", "取号", "受理", "办结", "好评", "差评"])
    for d in report.daily:
        daily.append([d.day.isoformat(), d.tickets, d.accepted, d.finished, d.good, d.bad])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
