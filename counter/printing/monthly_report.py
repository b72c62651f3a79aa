"""The one-page monthly report: headline figures, the charts, the leading groups.

Charts are reportlab graphics (vector, in the PDF itself), every label in the bundled
font so nothing falls back to an unembedded Helvetica; a title's rare characters are
drawn in the fallback chain (counter/printing/fonts.py), as in every other text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter.model.ratings import LEVELS
from counter.model.statistics import Group, Report, headlines
from counter.printing import fonts
from counter.printing.fonts import FONT
from counter.printing.layout import HALL, RULE, SMALL, TITLE, build, p, style, table

MAX_GROUPS = 10
#: Groups in the chart beside the table (the table lists up to MAX_GROUPS).
CHART_GROUPS = 6
#: A row of charts is no lower than this (less and labels collide) and no taller.
MIN_ROW = 38 * mm
MAX_ROW = 80 * mm
GAP = 4 * mm
#: The width a day's label ("9/30") takes on the daily chart's axis, with a gap.
LABEL_ROOM = 24.0
#: Kept free at the foot of the page, so rounding never pushes the table to page 2.
SLACK = 4 * mm
BLUE = colors.Color(0.16, 0.38, 0.66)
ORANGE = colors.Color(0.90, 0.49, 0.13)
GREEN = colors.Color(0.13, 0.55, 0.13)
RED = colors.Color(0.80, 0.15, 0.15)
GRID = colors.Color(0.85, 0.85, 0.85)
LEVEL_COLOURS = (
    colors.Color(0.13, 0.55, 0.13),
    colors.Color(0.42, 0.68, 0.27),
    colors.Color(0.75, 0.75, 0.30),
    colors.Color(0.93, 0.55, 0.20),
    colors.Color(0.80, 0.15, 0.15),
)


def _headline_table(report: Report, width: float) -> Table:
    pairs = headlines(report)
    half = (len(pairs) + 1) // 2
    rows = []
    for n in range(half):
        left = pairs[n]
        right = pairs[n + half] if n + half < len(pairs) else ("", "")
        rows.append([p(left[0], SMALL), p(left[1]), p(right[0], SMALL), p(right[1])])
    t = Table(rows, colWidths=[width * 0.17, width * 0.33, width * 0.17, width * 0.33])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return t


def _drawing(width: float, height: float) -> Drawing:
    """A drawing that starts in the bundled font (the default would pull in Helvetica)."""
    return Drawing(width, height, initialFontName=FONT, initialFontSize=8)


def _title(drawing: Drawing, text: str) -> None:
    for string in fonts.strings(0, drawing.height - 12, text, 10):
        drawing.add(string)


def _top(values: Sequence[int]) -> int:
    """The value axis' top: at least 1, so a month of zeros still draws an axis."""
    return max(1, *values) if values else 1


def _style_axes(chart: VerticalBarChart | HorizontalBarChart, top: int) -> None:
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top * 1.12  # room for the bar labels
    chart.valueAxis.forceZero = True
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.gridStrokeWidth = 0.3


def _legend(drawing: Drawing, pairs: Sequence[tuple[colors.Color, str]]) -> None:
    """Legend at the top right, one row, in the bundled font."""
    legend = Legend()
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 44
    legend.dx = legend.dy = 6
    legend.x, legend.y = drawing.width - 44 * len(pairs), drawing.height - 6
    legend.colorNamePairs = list(pairs)
    drawing.add(legend)


def levels_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Ratings per level: the 好差评 picture a reader wants before any number (the 统计
    page's left chart)."""
    drawing = _drawing(width, height)
    _title(drawing, f"评价等级分布（好评率 {_pct(report.total.good_rate)}）")
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 16
    chart.width, chart.height = width - 40, height - 40
    chart.data = [list(report.total.levels)]
    chart.categoryAxis.categoryNames = [level.label for level in LEVELS]
    _style_axes(chart, _top(report.total.levels))
    chart.bars.strokeWidth = 0
    for n, colour in enumerate(LEVEL_COLOURS):
        chart.bars[(0, n)].fillColor = colour
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def daily_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Tickets and accepted cases per day, side by side (the 统计 page's right chart)."""
    drawing = _drawing(width, height)
    _title(drawing, "每日取号与受理")
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 16
    chart.width, chart.height = width - 40, height - 40
    tickets = [d.tickets for d in report.daily]
    accepted = [d.accepted for d in report.daily]
    chart.data = [tickets, accepted]
    step = max(1, math.ceil(len(report.daily) * LABEL_ROOM / chart.width))
    chart.categoryAxis.categoryNames = [
        f"{d.day.month}/{d.day.day}" if n % step == 0 else "" for n, d in enumerate(report.daily)
    ]
    _style_axes(chart, _top(tickets + accepted))
    chart.bars.strokeWidth = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = ORANGE
    chart.groupSpacing = 3
    chart.barSpacing = 0.5
    drawing.add(chart)
    _legend(drawing, [(BLUE, "取号"), (ORANGE, "受理")])
    return drawing


def trend_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Cases finished, good and bad reviews per day: how the month went, as lines."""
    drawing = _drawing(width, height)
    _title(drawing, "每日办结与好差评")
    series = (
        ([d.finished for d in report.daily], GREEN, "办结"),
        ([d.good for d in report.daily], BLUE, "好评"),
        ([d.bad for d in report.daily], RED, "差评"),
    )
    plot = LinePlot()
    plot.x, plot.y = 30, 16
    plot.width, plot.height = width - 40, height - 40
    plot.data = [[(n + 1, v) for n, v in enumerate(values)] for values, _c, _l in series]
    for n, (_values, colour, _label) in enumerate(series):
        plot.lines[n].strokeColor = colour
        plot.lines[n].strokeWidth = 1.2
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7.5
    days = max(1, len(report.daily))
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 1, max(2, days)
    plot.xValueAxis.valueSteps = list(range(1, days + 1, max(1, days // 8)))
    plot.xValueAxis.labelTextFormat = lambda x: _day_label(report, int(x))
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = _top([v for values, _c, _l in series for v in values]) * 1.12
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = GRID
    plot.yValueAxis.gridStrokeWidth = 0.3
    drawing.add(plot)
    _legend(drawing, [(colour, label) for _values, colour, label in series])
    return drawing


def _day_label(report: Report, n: int) -> str:
    if 1 <= n <= len(report.daily):
        day = report.daily[n - 1].day
        return f"{day.month}/{day.day}"
    return ""


def timeliness_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Finished on time, finished late, and still open past their deadline, as a pie:
    the 办结 / 按时 / 超期 headline as a picture (超期 counts both late kinds)."""
    t = report.total
    slices = (
        (t.on_time, GREEN, "按时办结"),
        (t.finished - t.on_time, ORANGE, "逾期办结"),
        (max(0, t.overdue - (t.finished - t.on_time)), RED, "超期未办结"),
    )
    drawing = _drawing(width, height)
    _title(drawing, "办结时效")
    total = sum(n for n, _c, _l in slices)
    if not total:
        for string in fonts.strings(0, height / 2, "本时段没有办结或超期的办件", 9):
            drawing.add(string)
        return drawing
    size = min(height - 34, width * 0.5)
    pie = Pie()
    pie.x, pie.y = 10, (height - 18 - size) / 2
    pie.width = pie.height = size
    pie.data = [n for n, _c, _l in slices]
    pie.labels = None
    pie.simpleLabels = 1
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.8
    pie.slices.fontName = FONT
    for n, (_count, colour, _label) in enumerate(slices):
        pie.slices[n].fillColor = colour
    drawing.add(pie)
    x = pie.x + size + 14
    y = pie.y + size / 2 + 16
    for count, colour, label in slices:
        drawing.add(Rect(x, y, 7, 7, fillColor=colour, strokeWidth=0))
        line = f"{label}  {count}（{count / total * 100:.1f}%）"
        for string in fonts.strings(x + 11, y, line, 8):
            drawing.add(string)
        y -= 16
    return drawing


def groups_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Accepted and finished cases of the leading groups (the table's first rows)."""
    shown = _leading(report)[:CHART_GROUPS]
    drawing = _drawing(width, height)
    _title(drawing, f"按{report.dimension.value}受理与办结（前 {len(shown)} 个）")
    label_width = 62.0
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 14
    chart.width, chart.height = width - label_width - 10, height - 38
    accepted = [g.figures.accepted for g in reversed(shown)]  # the leading one on top
    finished = [g.figures.finished for g in reversed(shown)]
    chart.data = [finished, accepted]  # a group's first series is its lowest bar
    chart.categoryAxis.categoryNames = ["" for _g in shown]
    _style_axes(chart, _top(accepted + finished))
    chart.valueAxis.visibleGrid = False
    chart.bars.strokeWidth = 0
    chart.bars[0].fillColor = GREEN
    chart.bars[1].fillColor = ORANGE
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.groupSpacing = 3
    drawing.add(chart)
    band = chart.height / max(1, len(shown))
    for n, group in enumerate(reversed(shown)):
        label = group.label if len(group.label) <= 7 else group.label[:6] + "…"
        y = chart.y + band * (n + 0.5) - 3
        right = label_width - 4 - fonts.string_width(label, 7.5)
        for string in fonts.strings(right, y, label, 7.5):
            drawing.add(string)
    _legend(drawing, [(ORANGE, "受理"), (GREEN, "办结")])
    return drawing


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _leading(report: Report) -> list[Group]:
    """Groups with the most work first: the table and its chart show the same ones."""
    return sorted(report.groups, key=lambda g: -(g.figures.accepted + (g.figures.tickets or 0)))


def _groups(report: Report, width: float) -> list[Flowable]:
    if not report.groups:
        return []
    shown = _leading(report)[:MAX_GROUPS]
    header = [report.dimension.value, "取号", "受理", "办结", "超期", "评价", "好评率", "整改未结"]
    rows = [
        [
            g.label,
            "—" if g.figures.tickets is None else str(g.figures.tickets),
            str(g.figures.accepted),
            str(g.figures.finished),
            str(g.figures.overdue),
            str(g.figures.ratings),
            _pct(g.figures.good_rate),
            str(g.figures.followups_open),
        ]
        for g in shown
    ]
    first = width * 0.30
    rest = (width - first) / (len(header) - 1)
    note = (
        f"按{report.dimension.value}（前 {MAX_GROUPS} 个，共 {len(report.groups)} 个）"
        if len(report.groups) > MAX_GROUPS
        else f"按{report.dimension.value}"
    )
    return [
        p(note, style(10, space_before=4, space_after=3)),
        table(header, rows, [first] + [rest] * (len(header) - 1), centred=range(1, len(header))),
    ]


def _pair(left: Drawing, right: Drawing, width: float) -> Table:
    """Two charts side by side, with no padding of their own (the page adds the gaps)."""
    t = Table([[left, right]], colWidths=[width / 2, width / 2])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def charts(report: Report, width: float, room: float) -> list[Flowable]:
    """The charts, sized to fill ``room`` (the height the text leaves on the page).

    The report used to put two small charts side by side and leave half the page blank
    (issue 29). Now the 统计 page's charts come first, each row as tall as the room
    allows: the daily bars across the page, the rating levels beside the timeliness pie,
    then the month's trend beside the leading groups. With many groups the table takes
    the room and the last row goes, so the report stays one page."""
    rows = 3 if room >= 3 * MIN_ROW + 2 * GAP else 2 if room >= 2 * MIN_ROW + GAP else 1
    height = min(MAX_ROW, (room - (rows - 1) * GAP) / rows)
    half = width / 2 - 3 * mm
    out: list[Flowable] = [daily_chart(report, width, height)]
    if rows >= 2:
        levels, timeliness = (
            levels_chart(report, half, height),
            timeliness_chart(report, half, height),
        )
        out += [Spacer(1, GAP), _pair(levels, timeliness, width)]
    if rows >= 3:
        if report.groups:
            trend, groups = trend_chart(report, half, height), groups_chart(report, half, height)
            out += [Spacer(1, GAP), _pair(trend, groups, width)]
        else:  # the whole hall: no groups to chart, the trend takes the row
            out += [Spacer(1, GAP), trend_chart(report, width, height)]
    return out


def monthly_report_pdf(report: Report, hall_name: str) -> bytes:
    """One A4 page, the charts filling what the figures and the table leave; an empty
    period still gives a page that says so."""
    margin = 16 * mm
    width = A4[0] - 2 * margin
    head: list[Flowable] = [
        p(hall_name, HALL),
        p(f"政务服务统计报告　{report.period.label}", TITLE),
        p(
            f"范围：{report.scope or '本机'}　统计时间：{report.computed_at:%Y-%m-%d %H:%M}",
            style(9, space_after=6),
        ),
        _headline_table(report, width),
        Spacer(1, 4 * mm),
    ]
    if report.empty:
        story = [*head, p("本时段没有数据。", style(12, space_before=10))]
    else:
        tail = [Spacer(1, GAP), *_groups(report, width)]
        frame = A4[1] - 2 * margin - 12  # SimpleDocTemplate's frame pads 6 pt each side
        used = sum(_height(f, width) for f in head + tail)
        story = head + charts(report, width, frame - used - SLACK) + tail
    return build(
        story,
        A4,
        title=f"政务服务统计报告 {report.period.label}",
        author=hall_name,
        margins=margin,
    )


def _height(flowable: Flowable, width: float) -> float:
    """The height ``flowable`` takes on the page, its space before and after included."""
    _w, h = flowable.wrap(width, A4[1])
    return float(h + flowable.getSpaceBefore() + flowable.getSpaceAfter())
