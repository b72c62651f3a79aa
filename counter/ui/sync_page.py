"""The sync page: where this counter stands with the central, and what needs a person.

Three lists, each on its own tab with its count:

- 同步冲突: changes two windows made to the same thing while one was offline; the hall
  kept one and lists the other. A supervisor keeps what the hall has or takes the other
  version (a signed op the central carries out, recorded in the audit chain).
- 中心拒收: ops the central refused. A supervisor resubmits one (once its cause is put
  right) or dismisses it; the op itself stays in the store either way.
- 无法应用 (only while there are any): changes from the central this counter could not
  apply; the pull went on past them and retries them; the list is for IT.
- 设备: this PC with the central (a new address, re-enrolment) and, for a supervisor,
  the hall's devices as the central records them (:mod:`counter.ui.devices_page`).

Above them, when this PC's clock is a minute or more off the central's, a line says by
how much: the counter keeps working, but the clock should be put right.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QRunnable, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.services.session import Session
from counter.services.sync_service import (
    Conflict,
    Enrolled,
    Enrolment,
    RefusedOp,
    SyncService,
    UnappliedChange,
)
from counter.ui import safety_net
from counter.ui.background import run_in_pool
from counter.ui.devices_page import DevicesPanel
from counter.ui.forms import FieldErrors
from counter.ui.polling import refresh_when_shown
from counter.ui.record_model import RecordTableModel, record_table_view

TABLE_LABELS = {
    "holidays": "节假日",
    "holiday_years": "节假日年度表",
    "credit_list": "失信名单",
    "cases": "办件",
    "case_events": "办件记录",
    "case_materials": "材料清单",
    "applicants": "申请人",
    "print_log": "打印记录",
    "missed_tickets": "未出票提醒",
    "unmask_log": "查看明文记录",
}
KIND_LABELS = {
    "insert": "新增",
    "upsert": "修改",
    "delete": "删除",
    "event": "记录",
    "import": "导入",
}


def _reason_text(reason: str) -> str:
    """The code in brackets is for IT (kept in the tooltip); the sentence is for people."""
    return reason.split("] ", 1)[1] if reason.startswith("[") and "] " in reason else reason


def refused_model() -> RecordTableModel[RefusedOp]:
    return RecordTableModel(
        [
            ("时间", lambda r: r.created_at[5:19].replace("T", " ")),
            ("序号", lambda r: str(r.seq)),
            ("数据", lambda r: TABLE_LABELS.get(r.table_name, r.table_name)),
            ("记录", lambda r: r.row_id),
            ("操作", lambda r: KIND_LABELS.get(r.kind, r.kind)),
            ("被拒原因", lambda r: _reason_text(r.reason)),
        ],
        tooltips={5: lambda r: r.reason},
    )


def _versions(conflict: Conflict, kept: bool) -> str:
    return "\n".join(f"{c.label}：{c.kept if kept else c.lost}" for c in conflict.clashes)


def conflicts_model() -> RecordTableModel[Conflict]:
    return RecordTableModel(
        [
            ("发现时间", lambda c: c.detected_at[5:16].replace("T", " ")),
            ("数据", lambda c: c.table_label),
            ("记录", lambda c: c.label),
            ("现在的版本", lambda c: _versions(c, kept=True)),
            ("由", lambda c: str(c.kept_by)),
            ("未采用的版本", lambda c: _versions(c, kept=False)),
            ("由", lambda c: str(c.lost_by)),
        ],
        tooltips={
            3: lambda c: _versions(c, kept=True),
            5: lambda c: _versions(c, kept=False),
        },
    )


def pull_failures_model() -> RecordTableModel[UnappliedChange]:
    return RecordTableModel(
        [
            ("首次出现", lambda r: r.first_seen_at[5:19].replace("T", " ")),
            ("数据", lambda r: r.table_label),
            ("记录", lambda r: r.row_id),
            ("操作", lambda r: KIND_LABELS.get(r.kind, r.kind)),
            ("原因", lambda r: r.reason),
            ("已试次数", lambda r: str(r.attempts)),
        ],
        tooltips={4: lambda r: f"中心变更序号 {r.cursor}：{r.error}"},
    )


class SyncPage(QWidget):
    title = "数据同步"
    enrolled = Signal(str)  # the central's address, so the agent syncs at once

    def __init__(
        self,
        service: SyncService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        default_url: str = "",
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.clock = clock
        self._asking: tuple[Enrolment, QRunnable] | None = None
        self.enrolment = self._build_enrolment(default_url)
        self.clock_note = QLabel()
        self.clock_note.setObjectName("clockNote")
        self.clock_note.setWordWrap(True)
        self.clock_note.setStyleSheet("color: #8a5300; font-weight: bold;")
        self.model = refused_model()
        self.table = record_table_view(self.model, stretch=5)
        self.table.setObjectName("refusedOps")
        self.state = QLabel(self.tr("同步状态未知"))
        self.state.setObjectName("syncState")
        self.state.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("syncMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")

        self.resubmit_button = QPushButton(self.tr("重新提交 (Ctrl+R)"))
        self.dismiss_button = QPushButton(self.tr("不再提交 (Del)"))
        self.refresh_button = QPushButton(self.tr("刷新 (F5)"))
        buttons = QHBoxLayout()
        for button, keys, slot in (
            (self.resubmit_button, "Ctrl+R", self.on_resubmit_requested),
            (self.dismiss_button, "Delete", self.on_dismiss_requested),
            (self.refresh_button, "F5", self.refresh),
        ):
            button.clicked.connect(slot)
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)

        heading = QLabel(self.tr("中心拒收的数据（保留在本机，请值班长处理）"))
        refused_tab = QWidget()
        refused_layout = QVBoxLayout(refused_tab)
        refused_layout.addWidget(heading)
        refused_layout.addLayout(buttons)
        refused_layout.addWidget(self.table, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("syncTabs")
        self.tabs.addTab(self._build_conflicts(), self.tr("同步冲突"))
        self.tabs.addTab(refused_tab, self.tr("中心拒收"))
        self.tabs.addTab(self._build_pull_failures(), self.tr("无法应用"))
        self.devices = DevicesPanel(service.devices(), service, session, clock)
        self.devices.central_changed.connect(self._on_central_changed)
        self.tabs.addTab(self.devices, self.tr("设备"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.clock_note)
        layout.addWidget(self.enrolment)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.refresh_if_shown = refresh_when_shown(self, self.refresh)
        self.refresh()
        # Open on what needs a person first: conflicts, then refusals, then the rest.
        for tab, rows in ((0, self.conflicts.rowCount()), (1, self.model.rowCount())):
            if rows:
                self.tabs.setCurrentIndex(tab)
                break
        else:
            self.tabs.setCurrentIndex(2 if self.failures_model.rowCount() else 0)

    def _build_conflicts(self) -> QWidget:
        """The hall's open conflicts. Settling one is a supervisor's (the buttons say so
        to anyone else when pressed); every window holds the same list."""
        tab = QWidget()
        note = QLabel(
            self.tr(
                "两个窗口在离线时改了同一项数据，中心保留了一个版本，另一个列在这里，"
                "未被丢弃。请值班长核实后选择：保留现状，或采用另一版本。"
            )
        )
        note.setWordWrap(True)
        self.conflicts = conflicts_model()
        self.conflicts_table = record_table_view(self.conflicts, stretch=5)
        self.conflicts_table.setObjectName("syncConflicts")
        # The two versions share what is left, each field on a line of its own.
        header = self.conflicts_table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.conflicts_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.keep_button = QPushButton(self.tr("保留现状 (Ctrl+K)"))
        self.take_button = QPushButton(self.tr("采用另一版本 (Ctrl+T)"))
        row = QHBoxLayout()
        for button, keys, choice in (
            (self.keep_button, "Ctrl+K", "kept"),
            (self.take_button, "Ctrl+T", "taken"),
        ):
            button.clicked.connect(lambda _=False, c=choice: self.on_settle_requested(c))
            QShortcut(QKeySequence(keys), self).activated.connect(
                lambda c=choice: self.on_settle_requested(c)
            )
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(self.conflicts_table, 1)
        self.conflicts_table.selectionModel().selectionChanged.connect(self.update_buttons)
        return tab

    def selected_conflict(self) -> Conflict | None:
        rows = self.conflicts_table.selectionModel().selectedRows()
        return self.conflicts.record(rows[0].row()) if rows else None

    def on_settle_requested(self, choice: str) -> None:
        chosen = self.selected_conflict()
        if chosen is None:
            self.message.setText(self.tr("请先在同步冲突列表中选择一条"))
            return
        try:
            self.service.resolve_conflict(
                self.session,
                chosen.id,
                "taken" if choice == "taken" else "kept",
                self.clock(),
            )
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))
            return
        done = self.tr("已采用另一版本") if choice == "taken" else self.tr("已保留现状")
        self.message.setText(done + self.tr("：{}。同步后各窗口随之更新。").format(chosen.label))
        self.refresh()

    def _build_pull_failures(self) -> QGroupBox:
        """Changes from the central this counter could not apply: the pull went on past
        them, so nothing else waits, but the supervisor and IT must see that this
        counter lacks them. Shown only while there are some."""
        self.failures_box = QGroupBox(self.tr("中心数据无法在本机应用"))
        self.failures_box.setObjectName("pullFailuresBox")
        note = QLabel(
            self.tr(
                "以下数据来自中心，本机无法写入，已跳过，其余数据照常同步；每次同步自动重试"
                "（例如所属办件稍后到达即可写入）。若长期未消失，请把本表内容告知信息科。"
            )
        )
        note.setWordWrap(True)
        self.failures_model = pull_failures_model()
        self.failures_table = record_table_view(self.failures_model, stretch=4)
        self.failures_table.setObjectName("pullFailures")
        box = QVBoxLayout(self.failures_box)
        box.addWidget(note)
        box.addWidget(self.failures_table)
        return self.failures_box

    def _build_enrolment(self, default_url: str) -> QGroupBox:
        """Enrolling is a one-off: once done, the box says where this counter syncs."""
        box = QGroupBox(self.tr("登记到中心"))
        self.enrol_errors = FieldErrors()
        self.url_edit = QLineEdit(default_url)
        self.url_edit.setObjectName("centralUrl")
        self.url_edit.setPlaceholderText("https://10.0.0.5:8443")
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrolCode")
        self.code_edit.setPlaceholderText(
            self.tr("值班长在中心执行 counter-central enrol-code 得到的登记码（含证书指纹）")
        )
        self.name_edit = QLineEdit(self.tr("{} 号窗口").format(self.session.window))
        self.name_edit.setObjectName("deviceName")
        self.enrol_button = QPushButton(self.tr("登记 (Ctrl+E)"))
        self.enrol_button.clicked.connect(self.on_enrol_requested)
        QShortcut(QKeySequence("Ctrl+E"), self).activated.connect(self.on_enrol_requested)
        self.code_edit.returnPressed.connect(self.on_enrol_requested)
        self.central_label = QLabel()
        self.central_label.setObjectName("centralLabel")
        form = self.enrol_form = QFormLayout(box)
        form.addRow(self.central_label)
        self.enrol_errors.add_row(form, self.tr("中心地址"), "central_url", self.url_edit)
        self.enrol_errors.add_row(form, self.tr("一次性登记码"), "code", self.code_edit)
        form.addRow(self.tr("本机名称"), self.name_edit)
        form.addRow(self.enrol_errors.general)
        self.enrol_status = QLabel()
        self.enrol_status.setObjectName("enrolStatus")
        self.enrol_status.hide()
        form.addRow(self.enrol_status)
        form.addRow(self.enrol_button)
        self._show_central()
        return box

    def _show_central(self) -> None:
        url = self.service.central()
        self.central_label.setText(
            self.tr("本机已登记到中心 {}，自动同步。").format(url)
            if url
            else self.tr("本机尚未登记到中心，数据只保存在本机。")
        )
        for widget in (self.url_edit, self.code_edit, self.name_edit, self.enrol_button):
            # The whole row, label and all: a hidden field left its label behind. A
            # field with its error line sits in a box of its own (FieldErrors.add_row).
            in_row = widget if self.enrol_form.indexOf(widget) >= 0 else widget.parentWidget()
            assert in_row is not None  # the box FieldErrors.add_row put it in
            self.enrol_form.setRowVisible(in_row, not url)

    def on_enrol_requested(self) -> None:
        """Typing mistakes are shown at once; the central is asked off the GUI thread, so
        a wrong address costs the supervisor a wait with the window still alive."""
        if self.service.central() or self._asking is not None:
            return
        try:
            enrolment = self.service.start_enrolment(
                self.session,
                self.url_edit.text(),
                self.code_edit.text(),
                self.name_edit.text(),
                self.clock(),
            )
        except CounterError as exc:
            self.enrol_errors.show(exc)
            return
        self.enrol_errors.clear()
        self.enrol_button.setEnabled(False)
        self.enrol_status.setText(self.tr("正在连接中心 {} …").format(enrolment.url))
        self.enrol_status.show()

        def ask() -> object:
            try:
                return enrolment.ask()
            except CounterError as exc:
                return exc

        self._asking = (enrolment, run_in_pool(ask, self._on_enrol_answered))

    def _on_enrol_answered(self, answer: object) -> None:
        assert self._asking is not None
        enrolment, _task = self._asking
        self._asking = None
        self.enrol_button.setEnabled(True)
        self.enrol_status.clear()
        self.enrol_status.hide()
        if isinstance(answer, CounterError):
            self.enrol_errors.show(answer)
            return
        assert isinstance(answer, Enrolled)
        enrolled = self.service.finish_enrolment(self.session, enrolment, answer)
        self.code_edit.clear()
        self._on_central_changed(enrolled.url)
        note = enrolled.history.note()
        if note:  # a counter that ran alone: what became of its casework
            self.enrol_status.setText(note)
            self.enrol_status.show()

    def _on_central_changed(self, url: str) -> None:
        """Enrolled, re-enrolled or moved to a new address: the page says where, and
        the agent is told so it syncs at once."""
        self._show_central()
        self.devices.refresh()
        self.enrolled.emit(url)

    def focus_search(self) -> None:
        self.table.setFocus()

    def selected(self) -> RefusedOp | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def refresh(self) -> None:
        failures = self.service.pull_failures()
        self.failures_model.set_records(failures)
        self.tabs.setTabVisible(2, bool(failures))
        self.tabs.setTabText(2, self.tr("无法应用 (%n)", "", len(failures)))
        self.model.set_records(self.service.refused())
        if self.model.rowCount():
            self.table.selectRow(0)
        self.tabs.setTabText(1, self.tr("中心拒收 (%n)", "", self.model.rowCount()))
        self.conflicts.set_records(self.service.conflicts())
        if self.conflicts.rowCount():
            self.conflicts_table.selectRow(0)
        self.tabs.setTabText(0, self.tr("同步冲突 (%n)", "", self.conflicts.rowCount()))
        self.clock_note.setText(self.service.clock_note())
        self.clock_note.setVisible(bool(self.clock_note.text()))
        self.update_buttons()

    def update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.resubmit_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)
        conflict = self.selected_conflict() is not None
        self.keep_button.setEnabled(conflict)
        self.take_button.setEnabled(conflict)

    def _act(self, action: Callable[[RefusedOp], object]) -> None:
        chosen = self.selected()
        if chosen is None:
            self.message.setText(self.tr("请先在列表中选择一条被拒数据"))
            return
        try:
            action(chosen)
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))
            return
        self.message.setText("")
        self.refresh()

    def on_resubmit_requested(self) -> None:
        self._act(lambda r: self.service.resubmit(self.session, r.op_id, self.clock()))

    def on_dismiss_requested(self) -> None:
        self._act(lambda r: self.service.dismiss(self.session, r.op_id, self.clock()))

    def on_state_changed(self, text: str, online: bool) -> None:
        """Connected to :attr:`counter.ui.sync_worker.SyncAgent.state_changed`."""
        self.state.setText(text)
        self.state.setStyleSheet("" if online else "color: #b00020; font-weight: bold;")
        self.refresh_if_shown()
