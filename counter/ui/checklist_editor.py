"""The checklist as a clerk works it: one key per status, without the mouse.

Keys on the table: 1 原件已收, 2 复印件已收, 3 免提交 (shared data only), 4 容缺承诺
(dated the latest allowed day; change it in the date box), 0 or Delete 未提交,
+ / - copies, A every line still missing marked as original received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from counter.model.catalog import Checklist, ChecklistLine
from counter.model.errors import CounterError
from counter.model.intake import (
    LineState,
    MaterialStatus,
    initial_states,
    set_copies,
    set_status,
    shortfall,
)
from counter.ui import safety_net
from counter.ui.forms import ERROR_STYLE
from counter.ui.record_model import RecordTableModel, record_table_view


@dataclass(frozen=True)
class Row:
    line: ChecklistLine
    state: LineState


def _status_text(row: Row) -> str:
    if row.state.status is MaterialStatus.EXEMPT:
        return f"免提交（{row.line.material.shared_source}）"
    if row.state.status is MaterialStatus.PROMISED and row.state.promised_due:
        return f"容缺承诺 {row.state.promised_due.isoformat()} 前"
    return row.state.status.value


_KEYS = {
    Qt.Key.Key_1: MaterialStatus.ORIGINAL,
    Qt.Key.Key_2: MaterialStatus.COPY,
    Qt.Key.Key_3: MaterialStatus.EXEMPT,
    Qt.Key.Key_4: MaterialStatus.PROMISED,
    Qt.Key.Key_0: MaterialStatus.MISSING,
    Qt.Key.Key_Delete: MaterialStatus.MISSING,
}


class ChecklistEditor(QWidget):
    """Table of the merged checklist with per-line status, copies and 容缺 date."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checklist = Checklist(())
        # The page hands in the last date a promise may name (it knows the item and now).
        self.latest_promise: Callable[[], date | None] = lambda: None
        self.model: RecordTableModel[Row] = RecordTableModel(
            [
                ("材料", lambda r: r.line.material.name),
                ("要求", lambda r: f"{r.line.form.value} {r.line.copies} 份"
                 + ("" if r.line.required else "（视情况）")),
                ("状态", _status_text),
                ("已收份数", lambda r: str(r.state.copies) if r.state.status.received else ""),
                ("容缺", lambda r: "可容缺" if r.line.rongque else ""),
                ("问题", lambda r: shortfall(r.line, r.state) or ""),
            ]
        )  # fmt: skip
        self.table = record_table_view(self.model, stretch=5)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 230)
        self.table.setObjectName("checklistEditor")
        self.table.installEventFilter(self)
        self.table.setToolTip(
            self.tr("1 原件  2 复印件  3 免提交  4 容缺  0 未提交  +/- 份数  A 其余全部原件")
        )
        self.promise_date = QDateEdit()
        self.promise_date.setObjectName("promiseDate")
        self.promise_date.setCalendarPopup(True)
        self.promise_date.setDisplayFormat("yyyy-MM-dd")
        self.promise_label = QLabel(self.tr("容缺承诺日期："))
        self.promise_date.hide()
        self.promise_label.hide()
        self.promise_date.dateChanged.connect(self.on_promise_date_changed)
        self.error = QLabel()
        self.error.setObjectName("error_checklist")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("checklistSummary")
        self.summary.setStyleSheet("color: #0b6e4f;")
        keys = QLabel(
            self.tr("键：1 原件  2 复印件  3 免提交  4 容缺  0 未提交  +/- 份数  A 其余全部原件")
        )
        keys.setStyleSheet("color: #555;")
        bottom = QHBoxLayout()
        bottom.addWidget(keys, 1)
        bottom.addWidget(self.promise_label)
        bottom.addWidget(self.promise_date)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._sync_date())

    # --- data ---------------------------------------------------------------------------

    def set_checklist(
        self, checklist: Checklist, states: tuple[LineState, ...] | None = None
    ) -> None:
        self.checklist = checklist
        states = states if states is not None else initial_states(checklist)
        self.model.set_records([Row(line, s) for line, s in zip(checklist, states, strict=True)])
        self.error.clear()
        if len(checklist):
            self.table.selectRow(0)
        self._refresh_summary()

    def states(self) -> tuple[LineState, ...]:
        return tuple(self.model.record(n).state for n in range(self.model.rowCount()))

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def _replace(self, row: int, state: LineState) -> None:
        rows = [self.model.record(n) for n in range(self.model.rowCount())]
        rows[row] = Row(rows[row].line, state)
        self.model.set_records(rows)
        self.table.selectRow(row)
        self._refresh_summary()
        self._sync_date()
        self.changed.emit()

    def _refresh_summary(self) -> None:
        states = self.states()
        received = sum(1 for s in states if s.status.received)
        exempt = sum(1 for s in states if s.status is MaterialStatus.EXEMPT)
        promised = sum(1 for s in states if s.status is MaterialStatus.PROMISED)
        missing = sum(
            1
            for r in (self.model.record(n) for n in range(self.model.rowCount()))
            if shortfall(r.line, r.state) and r.state.status is not MaterialStatus.PROMISED
        )
        copies = sum(s.copies for s in states)
        self.summary.setText(
            self.tr("共 {} 项：已收 {} 项（{} 份），免提交 {} 项，容缺 {} 项，缺 {} 项").format(
                len(states), received, copies, exempt, promised, missing
            )
        )

    # --- keyboard -----------------------------------------------------------------------

    def set_status(self, row: int, status: MaterialStatus) -> None:
        record = self.model.record(row)
        due = self.latest_promise() if status is MaterialStatus.PROMISED else None
        try:
            state = set_status(record.line, record.state, status, promised_due=due)
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return
        self.error.clear()
        self._replace(row, state)

    def change_copies(self, row: int, delta: int) -> None:
        record = self.model.record(row)
        try:
            state = set_copies(record.line, record.state, record.state.copies + delta)
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return
        self.error.clear()
        self._replace(row, state)

    def mark_rest_original(self) -> None:
        rows = []
        for n in range(self.model.rowCount()):
            r = self.model.record(n)
            if r.state.status is MaterialStatus.MISSING:
                r = Row(r.line, set_status(r.line, r.state, MaterialStatus.ORIGINAL))
            rows.append(r)
        current = max(self.current_row(), 0)
        self.model.set_records(rows)
        if rows:
            self.table.selectRow(current)
        self.error.clear()
        self._refresh_summary()
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            row = self.current_row()
            key = event.key()
            if key == Qt.Key.Key_A and not event.modifiers():
                self.mark_rest_original()
                return True
            if row < 0:
                return False
            if key in _KEYS:
                self.set_status(row, _KEYS[Qt.Key(key)])
                return True
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.change_copies(row, 1)
                return True
            if key == Qt.Key.Key_Minus:
                self.change_copies(row, -1)
                return True
        return super().eventFilter(watched, event)

    def _sync_date(self) -> None:
        row = self.current_row()
        if row < 0:
            self.promise_date.hide()
            self.promise_label.hide()
            return
        state = self.model.record(row).state
        promised = state.status is MaterialStatus.PROMISED and state.promised_due is not None
        self.promise_date.setVisible(promised)
        self.promise_label.setVisible(promised)
        if promised and state.promised_due is not None:
            due = state.promised_due
            self.promise_date.blockSignals(True)
            self.promise_date.setDate(QDate(due.year, due.month, due.day))
            self.promise_date.blockSignals(False)

    def on_promise_date_changed(self, value: QDate) -> None:
        row = self.current_row()
        if row < 0:
            return
        record = self.model.record(row)
        if record.state.status is not MaterialStatus.PROMISED:
            return
        picked = date(value.year(), value.month(), value.day())
        self._replace(
            row,
            LineState(record.state.material_id, MaterialStatus.PROMISED, 0, picked),
        )
