"""The sync page: where this counter stands with the central, and the refused ops.

A supervisor resubmits a refused op (once its cause, say the window's clock, is put
right) or dismisses it; the op itself stays in the store either way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter.model.errors import CounterError
from counter.services.session import Session
from counter.services.sync_service import RefusedOp, SyncService
from counter.ui.record_model import RecordTableModel, record_table_view

TABLE_LABELS = {
    "holidays": "节假日",
    "holiday_years": "节假日年度表",
    "cases": "办件",
    "case_events": "办件记录",
    "case_materials": "材料清单",
    "applicants": "申请人",
    "print_log": "打印记录",
    "unmask_log": "查看明文记录",
}
KIND_LABELS = {"insert": "新增", "upsert": "修改", "delete": "删除", "event": "记录"}


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


class SyncPage(QWidget):
    title = "数据同步"

    def __init__(
        self,
        service: SyncService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.clock = clock
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
            QShortcut(QKeySequence(keys), self, activated=slot)
            buttons.addWidget(button)
        buttons.addStretch(1)

        heading = QLabel(self.tr("中心拒收的数据（保留在本机，请值班长处理）"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.refresh()

    def focus_search(self) -> None:
        self.table.setFocus()

    def selected(self) -> RefusedOp | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def refresh(self) -> None:
        self.model.set_records(self.service.refused())
        if self.model.rowCount():
            self.table.selectRow(0)
        self.update_buttons()

    def update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.resubmit_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def _act(self, action: Callable[[RefusedOp], object]) -> None:
        chosen = self.selected()
        if chosen is None:
            self.message.setText(self.tr("请先在列表中选择一条被拒数据"))
            return
        try:
            action(chosen)
        except CounterError as exc:
            self.message.setText(getattr(exc, "message", str(exc)))
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
        self.refresh()
