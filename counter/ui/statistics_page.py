"""The supervisor's statistics: pick a period and a grouping, read the table, look at the
charts, export CSV / Excel / the monthly PDF.

Charts: pyqtgraph, not QtCharts. QtCharts lives in PySide6-Addons, a second wheel of
about 150 MB on top of PySide6-Essentials that a fresh counter would download for two
bar charts; pyqtgraph is pure Python (about 2 MB, plus numpy) and draws with the same
QPainter and the same application font as every other widget, so the bundled
WenQuanYi font renders the Chinese labels with no font set-up of its own. The printed
report draws its charts with reportlab graphics instead (vector, in the PDF).

The figures are computed on a worker thread with its own store connection: a month of a
busy hall is a few hundred thousand rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.ratings import LEVELS
from counter.model.settings import Settings
from counter.model.statistics import (
    Dimension,
    Period,
    PeriodKind,
    Report,
    compute,
    headlines,
    table_rows,
)
from counter.model.workdays import HolidayCalendar
from counter.services.session import Session
from counter.services.statistics_service import statistics_in
from counter.ui import safety_net
from counter.ui.forms import ERROR_STYLE
from counter.ui.record_model import RecordTableModel, record_table_view

if TYPE_CHECKING:
    import pyqtgraph as pg

LEVEL_COLOURS = ("#0b6e4f", "#3d8b37", "#b5a520", "#e07b22", "#b00020")


class _Signals(QObject):
    finished = Signal(object, str)  # Report | None, error text


class _ReportTask(QRunnable):
    def __init__(
        self,
        store_path: Path,
        settings: Settings,
        session: Session,
        period: Period,
        dimension: Dimension,
        now: datetime,
    ) -> None:
        super().__init__()
        self.args = (store_path, settings, session, period, dimension, now)
        self.signals = _Signals()

    def run(self) -> None:
        store_path, settings, session, period, dimension, now = self.args
        report: Report | None = None
        error = ""
        try:
            with statistics_in(store_path, settings) as service:
                report = service.report(session, period, dimension, now)
        except CounterError as exc:
            error = safety_net.page_message(exc)
        self.signals.finished.emit(report, error)


def blank_report(now: datetime) -> Report:
    """A report over nothing: the page's headline captions before the first run."""
    return compute(
        Period.day(now.date()),
        Dimension.HALL,
        tickets=[],
        cases=[],
        ratings=[],
        followups=[],
        holidays=HolidayCalendar(),
        now=now,
    )


def _bar_plot(title: str) -> pg.PlotWidget:
    import pyqtgraph as pg

    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#222222", size="11pt")
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setMinimumHeight(200)
    return plot


class StatisticsPage(QWidget):
    title = "统计"
    computed = Signal(object)  # Report

    def __init__(
        self,
        store_path: Path,
        session: Session,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        *,
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.session = session
        self.settings = settings
        self.clock = clock
        self.pool = pool or QThreadPool.globalInstance()
        self.report: Report | None = None
        self._task: _ReportTask | None = None
        today = clock().date()

        self.kind = QComboBox()
        self.kind.setObjectName("periodKind")
        for kind in PeriodKind:
            self.kind.addItem(kind.value, kind)
        self.kind.setCurrentIndex(list(PeriodKind).index(PeriodKind.MONTH))
        self.start = QDateEdit(QDate(today.year, today.month, today.day))
        self.start.setObjectName("periodStart")
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        self.end.setObjectName("periodEnd")
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.dimension = QComboBox()
        self.dimension.setObjectName("dimension")
        for dim in Dimension:
            self.dimension.addItem(
                f"按{dim.value}" if dim is not Dimension.HALL else "全厅合计", dim
            )
        self.run_button = QPushButton(self.tr("统计 (F5)"))
        self.run_button.setObjectName("runStatistics")
        self.run_button.setShortcut(QKeySequence("F5"))
        self.csv_button = QPushButton(self.tr("导出 CSV"))
        self.xlsx_button = QPushButton(self.tr("导出 Excel"))
        self.pdf_button = QPushButton(self.tr("月报 PDF"))
        for button in (self.csv_button, self.xlsx_button, self.pdf_button):
            button.setEnabled(False)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)

        self.summary = QGridLayout()
        self.summary_labels: dict[str, QLabel] = {}
        for n, (name, _value) in enumerate(headlines(blank_report(clock()))):
            caption = QLabel(name)
            caption.setStyleSheet("color: #555555;")
            label = QLabel("—")
            label.setObjectName(f"headline{n}")
            label.setStyleSheet("font-size: 12pt; font-weight: bold;")
            self.summary.addWidget(caption, n % 5, (n // 5) * 2)
            self.summary.addWidget(label, n % 5, (n // 5) * 2 + 1)
            self.summary_labels[name] = label
        self.summary.setColumnStretch(1, 1)
        self.summary.setColumnStretch(3, 1)
        self._plots: tuple[pg.PlotWidget, pg.PlotWidget] | None = None

        self.model: RecordTableModel[list[str]] = RecordTableModel([])
        self.table = record_table_view(self.model, stretch=None)
        self.table.setObjectName("statistics")

        controls = QHBoxLayout()
        for text, widget in (
            (self.tr("时段"), self.kind),
            (self.tr("从"), self.start),
            (self.tr("到"), self.end),
            ("", self.dimension),
        ):
            if text:
                controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addWidget(self.run_button)
        controls.addStretch(1)
        for button in (self.csv_button, self.xlsx_button, self.pdf_button):
            controls.addWidget(button)
        self.charts = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(self.summary)
        layout.addLayout(self.charts, 2)
        layout.addWidget(self.table, 3)

        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.run_button.clicked.connect(self.on_run_clicked)
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))
        self.xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self._ask_export("pdf"))
        self._on_kind_changed()

    # --- charts -------------------------------------------------------------------------

    def _charts(self) -> tuple[pg.PlotWidget, pg.PlotWidget]:
        """pyqtgraph (with numpy, 0.2 s to import) is loaded when the page is first shown
        or drawn on, not while the main window opens for every supervisor."""
        if self._plots is None:
            self._plots = (
                _bar_plot(self.tr("评价等级")),
                _bar_plot(self.tr("每日取号（蓝）与受理（橙）")),
            )
            self.charts.addWidget(self._plots[0], 2)
            self.charts.addWidget(self._plots[1], 3)
        return self._plots

    @property
    def levels_plot(self) -> pg.PlotWidget:
        return self._charts()[0]

    @property
    def daily_plot(self) -> pg.PlotWidget:
        return self._charts()[1]

    def showEvent(self, event: QShowEvent) -> None:
        self._charts()
        super().showEvent(event)

    # --- choosing -----------------------------------------------------------------------

    def _on_kind_changed(self) -> None:
        self.end.setEnabled(PeriodKind(self.kind.currentData()) is PeriodKind.RANGE)

    def period(self) -> Period:
        start = self.start.date().toPython()
        assert isinstance(start, date)
        kind = PeriodKind(self.kind.currentData())
        if kind is PeriodKind.DAY:
            return Period.day(start)
        if kind is PeriodKind.WEEK:
            return Period.week(start)
        if kind is PeriodKind.MONTH:
            return Period.month(start)
        end = self.end.date().toPython()
        assert isinstance(end, date)
        return Period.range(start, end)

    def on_run_clicked(self) -> None:
        self.error.clear()
        try:
            period = self.period()
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return
        if self._task is not None:
            return
        self.run_button.setEnabled(False)
        self.status.setText(self.tr("正在统计 {}…").format(period.label))
        task = _ReportTask(
            self.store_path,
            self.settings(),
            self.session,
            period,
            Dimension(self.dimension.currentData()),
            self.clock(),
        )
        task.signals.finished.connect(self.on_report_finished)
        self._task = task
        self.pool.start(task)

    def on_report_finished(self, report: Report | None, error: str) -> None:
        self._task = None
        self.run_button.setEnabled(True)
        if report is None:
            self.status.clear()
            self.error.setText(error)
            return
        self.show_report(report)
        self.computed.emit(report)

    # --- showing ------------------------------------------------------------------------

    def show_report(self, report: Report) -> None:
        self.report = report
        empty = self.tr("（本时段没有数据）") if report.empty else ""
        self.status.setText(
            self.tr("{}　{}　{}").format(report.period.label, report.scope, empty).strip()
        )
        for name, value in headlines(report):
            self.summary_labels[name].setText(value)
        rows = table_rows(report)
        self.model = RecordTableModel(
            [(name, (lambda i: lambda row: row[i])(n)) for n, name in enumerate(rows[0])]
        )
        self.model.set_records(rows[1:])
        self.table.setModel(self.model)
        self._draw(report)
        for button in (self.csv_button, self.xlsx_button, self.pdf_button):
            button.setEnabled(True)

    def _draw(self, report: Report) -> None:
        import pyqtgraph as pg

        self.levels_plot.clear()
        self.levels_plot.addItem(
            pg.BarGraphItem(
                x=list(range(5)),
                height=list(report.total.levels),
                width=0.6,
                brushes=[pg.mkBrush(c) for c in LEVEL_COLOURS],
            )
        )
        self.levels_plot.getAxis("bottom").setTicks(
            [[(n, level.label) for n, level in enumerate(LEVELS)]]
        )
        self.daily_plot.clear()
        xs = list(range(len(report.daily)))
        self.daily_plot.addItem(
            pg.BarGraphItem(
                x=[x - 0.2 for x in xs],
                height=[d.tickets for d in report.daily],
                width=0.4,
                brush="#2961a8",
            )
        )
        self.daily_plot.addItem(
            pg.BarGraphItem(
                x=[x + 0.2 for x in xs],
                height=[d.accepted for d in report.daily],
                width=0.4,
                brush="#e57d21",
            )
        )
        step = max(1, len(xs) // 10)
        self.daily_plot.getAxis("bottom").setTicks(
            [
                [
                    (x, f"{d.day.month}/{d.day.day}")
                    for x, d in enumerate(report.daily)
                    if x % step == 0
                ]
            ]
        )

    # --- exporting ------------------------------------------------------------------------

    def export_bytes(self, kind: str) -> bytes:
        # The documents' modules (reportlab) when a report is first exported.
        from counter.printing.monthly_report import monthly_report_pdf
        from counter.printing.report_files import report_csv, report_xlsx

        assert self.report is not None
        hall = self.settings()["hall_name"]
        if kind == "csv":
            return report_csv(self.report)
        if kind == "xlsx":
            return report_xlsx(self.report, hall)
        return monthly_report_pdf(self.report, hall)

    def export_to(self, path: Path, kind: str) -> None:
        """Logged as an export in the audit trail first; then the file is written."""
        assert self.report is not None
        content = self.export_bytes(kind)
        settings = self.settings()
        with statistics_in(self.store_path, settings) as service:
            service.record_export(self.session, self.report, kind, path, self.clock())
        path.write_bytes(content)
        self.status.setText(self.tr("已导出：{}").format(path))

    def _ask_export(self, kind: str) -> None:
        if self.report is None:
            return
        suffix = {"csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}[kind]
        name = f"统计-{self.report.period.start:%Y%m%d}-{self.report.period.end:%Y%m%d}.{kind}"
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("导出"), name, suffix)
        if chosen:
            try:
                self.export_to(Path(chosen), kind)
            except OSError as exc:
                self.error.setText(self.tr("无法保存：{}").format(exc))
            except CounterError as exc:
                self.error.setText(safety_net.page_message(exc))
