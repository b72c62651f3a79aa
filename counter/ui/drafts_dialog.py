"""Drafts from site visits waiting at the hall: the clerk picks one with the arrow keys
and Enter, and the intake page opens it with every field and the checklist filled."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from counter.model.visits import CaseDraft
from counter.ui.record_model import RecordTableModel, record_table_view


def drafts_model() -> RecordTableModel[CaseDraft]:
    return RecordTableModel(
        [
            ("生成时间", lambda d: f"{d.created_at:%m-%d %H:%M}"),
            ("企业", lambda d: d.enterprise_name),
            ("事项", lambda d: d.target_name),
            ("代办人", lambda d: d.agent_name),
            ("帮代办专员", lambda d: d.specialist_name),
        ]
    )


class DraftsDialog(QDialog):
    def __init__(self, drafts: Sequence[CaseDraft], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("上门预审草稿"))
        self.chosen: CaseDraft | None = None
        self.model = drafts_model()
        self.model.set_records(drafts)
        self.table = record_table_view(self.model, stretch=2)
        self.table.setObjectName("draftsTable")
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.choose())
        hint = QLabel(
            self.tr("↑↓ 选择，回车打开（材料清单与企业信息已由帮代办专员填好），Esc 取消")
            if drafts
            else self.tr("没有待受理的上门预审草稿（专员的笔记本同步后才会出现）")
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table)
        self.resize(720, 320)
        if drafts:
            self.table.selectRow(0)
        self.table.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose()
                return True
        return super().eventFilter(watched, event)

    def choose(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        self.chosen = self.model.record(index.row())
        self.accept()
