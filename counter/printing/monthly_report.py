"""The one-page monthly report: headline figures, two charts, the leading groups.

Charts are reportlab graphics (vector, in the PDF itself), every label in the bundled
font so nothing falls back to an unembedded Helvetica; a title's rare characters are
drawn in the fallback chain (counter/printing/fonts.py), as in every other text.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter.model.ratings import LEVELS
from counter.model.statistics import Report, headlines
from counter.printing import fonts
from counter.printing.fonts import FONT
from counter.printing.layout import HALL, RULE, SMALL, TITLE, build, p, style, table

MAX_GROUPS = 10
BLUE = colors.Color(0.16, 0.38, 0.66)
ORANGE = colors.Color(0.90, 0.49, 0.13)
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


def _style_axes(chart: VerticalBarChart) -> None:
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True


def levels_chart(report: Report, width: float, height: float = 52 * mm) -> Drawing:
    """Ratings per level: the 好差评 picture a reader wants before any number."""
    drawing = _drawing(width, height)
    _title(drawing, f"评价等级分布（好评率 {_pct(report.total.good_rate)}）")
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 22
    chart.width, chart.height = width - 40, height - 52
    chart.data = [list(report.total.levels)]
    chart.categoryAxis.categoryNames = [level.label for level in LEVELS]
    _style_axes(chart)
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
    """Tickets and accepted cases per day."""
    drawing = _drawing(width, height)
    _title(drawing, "每日取号与受理")
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 22
    chart.width, chart.height = width - 40, height - 52
    chart.data = [[d.tickets for d in report.daily], [d.accepted for d in report.daily]]
    step = max(1, len(report.daily) // 8)
    chart.categoryAxis.categoryNames = [
        f"{d.day.day}" if n % step == 0 else "" for n, d in enumerate(report.daily)
    ]
    _style_axes(chart)
    chart.bars.strokeWidth = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = ORANGE
    chart.groupSpacing = 1
    drawing.add(chart)
    legend = Legend()
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.x, legend.y = width - 80, height - 6
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 40
    legend.dx = legend.dy = 6
    legend.colorNamePairs = [(BLUE, "取号"), (ORANGE, "受理")]
    drawing.add(legend)
    return drawing


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _groups(report: Report, width: float) -> list[Flowable]:
    if not report.groups:
        return []
    leading = sorted(report.groups, key=lambda g: -(g.figures.accepted + (g.figures.tickets or 0)))
    shown = leading[:MAX_GROUPS]
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


def monthly_report_pdf(report: Report, hall_name: str) -> bytes:
    """One A4 page; an empty period still gives a page that says so."""
    margin = 16 * mm
    width = A4[0] - 2 * margin
    story: list[Flowable] = [
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
        story.append(p("本时段没有数据。", style(12, space_before=10)))
    else:
        charts = Table(
            [[levels_chart(report, width / 2 - 3 * mm), daily_chart(report, width / 2 - 3 * mm)]],
            colWidths=[width / 2, width / 2],
        )
        charts.setStyle(
            TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        story.append(charts)
        story += _groups(report, width)
    return build(
        story,
        A4,
        title=f"政务服务统计报告 {report.period.label}",
        author=hall_name,
        margins=margin,
    )
