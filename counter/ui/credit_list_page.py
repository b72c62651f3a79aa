"""The hall's 失信 list, kept by the duty supervisor: import the published list, add or
remove a party by hand. Intake refuses 容缺 for whoever is on it (model/credit.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter.model.credit import CreditEntry
from counter.model.errors import CounterError
from counter.services.credit_service import CreditListService
from counter.services.session import Session
from counter.ui.forms import FieldErrors
from counter.ui.record_model import RecordTableModel

OK_STYLE = "color: #0b6e4f;"
R = TypeVar("R")


class CreditListPage(QWidget):
    title = "失信名单"

    def __init__(
        self,
        credit: CreditListService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.credit = credit
        self.session = session
        self.clock = clock
        self.errors = FieldErrors()

        intro = QLabel(
            self.tr(
                "名单中的申请人不适用容缺受理（须收齐材料后受理）。"
                "可导入“证件号,名称,原因”格式的名单文件，或逐条加入。"
            )
        )
        intro.setWordWrap(True)
        self.model: RecordTableModel[CreditEntry] = RecordTableModel(
            [
                ("统一社会信用代码/身份证号", lambda e: e.id_number),
                ("名称/姓名", lambda e: e.name),
                ("原因", lambda e: e.reason),
            ]
        )
        self.table = QTableView()
        self.table.setObjectName("creditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setMaxLength(40)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(self.tr("如 失信被执行人（案号）"))
        form = QFormLayout()
        self.errors.add_row(form, self.tr("证件号"), "id_number", self.id_number)
        self.errors.add_row(form, self.tr("名称/姓名"), "name", self.name)
        self.errors.add_row(form, self.tr("原因"), "reason", self.reason)

        self.add_button = QPushButton(self.tr("加入名单"))
        self.add_button.setObjectName("addEntry")
        self.remove_button = QPushButton(self.tr("移出名单"))
        self.remove_button.setObjectName("removeEntry")
        self.import_button = QPushButton(self.tr("导入名单文件…"))
        self.import_button.setObjectName("importCredit")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(OK_STYLE)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(self.on_add)
        self.reason.returnPressed.connect(self.on_add)
        self.remove_button.clicked.connect(self.on_remove)
        self.import_button.clicked.connect(self.on_import_requested)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.model.set_records(self.credit.entries(self.session))
        except CounterError as exc:
            self.errors.show(exc)

    def on_add(self) -> None:
        self._run(
            lambda: self.credit.add(
                self.session,
                self.id_number.text(),
                self.name.text(),
                self.reason.text(),
                self.clock(),
            ),
            lambda entry: self.tr("已将 {} 加入失信名单").format(entry.name),
        )

    def on_remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.errors.clear()
            self.errors.general.setText(self.tr("请先在表中选中要移出的一条"))
            self.errors.general.show()
            return
        entry = self.model.record(rows[0].row())
        self._run(
            lambda: self.credit.remove(self.session, entry.id_number, self.clock()),
            lambda _: self.tr("已将 {} 移出失信名单").format(entry.name),
        )

    def import_text(self, text: str) -> None:
        self._run(
            lambda: self.credit.import_file(self.session, text, self.clock()),
            lambda count: self.tr("已导入 {} 条失信名单").format(count),
        )

    def on_import_requested(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择失信名单文件"), "", self.tr("文本文件 (*.txt *.csv);;所有文件 (*)")
        )
        if path:
            self.import_text(Path(path).read_text(encoding="utf-8-sig"))

    def _run(self, action: Callable[[], R], done: Callable[[R], str]) -> None:
        """One service call: its error at the field it names, else the message and a
        fresh table (and an emptied form after an add)."""
        self.message.clear()
        try:
            result = action()
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self.message.setText(done(result))
        for field in (self.id_number, self.name, self.reason):
            field.clear()
        self.refresh()
