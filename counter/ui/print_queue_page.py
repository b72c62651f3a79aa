"""The print queue: every job with its status, tries and error; retry, cancel, reprint.

Nothing printed is ever out of reach: history stays here, and a job that failed can be
sent again (to this station's current printer) with one key.

A kiosk ticket that did not print sends its visitor to the guide desk; the page says so
in red above the list (the last half hour's), with the numbers to serve, from every
kiosk in the hall (synced as ``missed_tickets``). The list is this PC's: print jobs do
not sync between counters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.model.print_job import JobStatus, PrintJob
from counter.model.print_target import parse_target
from counter.services.print_service import PrintService
from counter.services.session import Session
from counter.services.settings_service import SettingsService
from counter.ui import safety_net
from counter.ui.polling import refresh_when_shown
from counter.ui.print_spool import PrintSpool
from counter.ui.qt_printer import register as register_qt_printer
from counter.ui.record_model import RecordTableModel, record_table_view


def _target_text(job: PrintJob) -> str:
    try:
        return parse_target(job.target).description
    except ValueError:
        return job.target


def jobs_model() -> RecordTableModel[PrintJob]:
    return RecordTableModel(
        [
            ("提交时间", lambda j: j.created_at.strftime("%m-%d %H:%M:%S")),
            ("文书", lambda j: j.title),
            ("编号", lambda j: j.reference),
            ("打印机", _target_text),
            ("状态", lambda j: j.status_text),
            ("次数", lambda j: str(j.attempts)),
            ("错误", lambda j: j.last_error),
            ("提交人", lambda j: j.staff_name),
        ],
        tooltips={6: lambda j: j.last_error or "无"},
    )


class PrintQueuePage(QWidget):
    title = "打印队列"

    def __init__(
        self,
        service: PrintService,
        session: Session,
        spool: PrintSpool,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.spool = spool
        self.clock = clock
        self.model = jobs_model()
        self.table = record_table_view(self.model, stretch=6)
        self.table.setObjectName("printJobs")
        header = self.table.horizontalHeader()
        for column, width in ((1, 220), (3, 180), (4, 190)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.state = QLabel()
        self.state.setObjectName("printState")
        self.alert = QLabel()
        self.alert.setObjectName("missedTickets")
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet(
            "color: white; background: #b00020; font-size: 14pt; font-weight: bold; padding: 6px;"
        )
        self.alert.hide()
        self.message = QLabel()
        self.message.setObjectName("printMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")

        self.retry_button = QPushButton(self.tr("立即重试 (Ctrl+R)"))
        self.cancel_button = QPushButton(self.tr("取消任务 (Del)"))
        self.reprint_button = QPushButton(self.tr("重印 (Ctrl+P)"))
        self.refresh_button = QPushButton(self.tr("刷新 (F5)"))
        actions = (
            (self.retry_button, "Ctrl+R", self.on_retry_requested),
            (self.cancel_button, "Delete", self.on_cancel_requested),
            (self.reprint_button, "Ctrl+P", self.on_reprint_requested),
            (self.refresh_button, "F5", self.refresh),
        )
        buttons = QHBoxLayout()
        for button, keys, slot in actions:
            button.clicked.connect(slot)
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.state.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.alert)
        layout.addWidget(self.state)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.spool.printed.connect(refresh_when_shown(self, self.refresh))
        self.spool.state_changed.connect(self.on_state_changed)
        self.refresh()

    def focus_search(self) -> None:
        self.table.setFocus()

    def selected(self) -> PrintJob | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def refresh(self) -> None:
        """Reload, keeping the selected job selected (the list refreshes while the clerk reads)."""
        chosen = self.selected()
        missed = self.service.missed_tickets(self.clock())
        self.alert.setText(missed)
        self.alert.setVisible(bool(missed))
        jobs = self.service.jobs()
        if jobs != [self.model.record(n) for n in range(self.model.rowCount())]:
            self.model.set_records(jobs)
        for row, job in enumerate(jobs):
            if chosen is not None and job.id == chosen.id:
                self.table.selectRow(row)
                break
        else:
            if jobs and chosen is None:
                self.table.selectRow(0)
        self.update_buttons()

    def update_buttons(self) -> None:
        job = self.selected()
        retryable = job is not None and job.status in (JobStatus.PENDING, JobStatus.FAILED)
        self.retry_button.setEnabled(retryable)
        self.cancel_button.setEnabled(retryable)
        self.reprint_button.setEnabled(job is not None)

    def _act(self, action: Callable[[PrintJob], object]) -> None:
        job = self.selected()
        if job is None:
            self.message.setText(self.tr("请先在列表中选择一个打印任务"))
            return
        try:
            action(job)
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))
            return
        self.message.setText("")
        self.refresh()
        self.spool.kick()

    def on_retry_requested(self) -> None:
        self._act(lambda j: self.service.retry(self.session, j.id, self.clock()))

    def on_cancel_requested(self) -> None:
        self._act(lambda j: self.service.cancel(self.session, j.id, self.clock()))

    def on_reprint_requested(self) -> None:
        self._act(lambda j: self.service.reprint(self.session, j.id, self.clock()))

    def on_state_changed(self, text: str, ok: bool) -> None:
        self.state.setText(text)
        self.state.setToolTip(text)
        self.state.setStyleSheet("" if ok else "color: #b00020; font-weight: bold;")


def start_spool(
    db: Database, settings: SettingsService, clock: Callable[[], datetime]
) -> tuple[PrintService, PrintSpool]:
    """A station's printing: Qt printers registered, crash leftovers requeued, spool running."""
    register_qt_printer()
    store_path = Path(db.execute("PRAGMA database_list").fetchone()[2])
    service = PrintService(db, settings.settings)
    service.recover(clock())
    spool = PrintSpool(store_path, lambda: settings.settings, clock)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(spool.stop)
    spool.start()
    return service, spool


def build_print_queue_page(
    db: Database, session: Session, settings: SettingsService, clock: Callable[[], datetime]
) -> PrintQueuePage:
    service, spool = start_spool(db, settings, clock)
    page = PrintQueuePage(service, session, spool, clock)
    spool.setParent(page)
    return page
