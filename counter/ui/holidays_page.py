"""The hall's holiday table: see a year, import the new year's notice, fix a single day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.holiday_file import HolidayRow
from counter.services.calendar_service import CalendarService
from counter.services.session import Session
from counter.ui import safety_net
from counter.ui.record_model import RecordTableModel

KIND_LABELS = {"holiday": "放假", "workday": "调休上班"}
SOURCE_LABELS = {
    "chinesecalendar": "国务院安排（随程序）",
    "file": "导入文件",
    "manual": "手工修改",
}


class HolidaysPage(QWidget):
    title = "节假日表"

    def __init__(
        self,
        calendar: CalendarService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.calendar = calendar
        self.session = session
        self.clock = clock
        today = clock().date()

        self.year = QSpinBox()
        self.year.setObjectName("year")
        self.year.setRange(2004, 2100)
        self.year.setValue(today.year + 1 if today.month >= 11 else today.year)
        self.state = QLabel()
        self.state.setObjectName("yearState")
        self.state.setWordWrap(True)
        self.import_button = QPushButton(self.tr("导入节假日文件…"))
        self.import_button.setObjectName("importHolidays")
        self.confirm_button = QPushButton(self.tr("确认全年已录入"))
        self.confirm_button.setObjectName("confirmYear")
        self.confirm_button.setToolTip(
            self.tr("本年各节假日均已录入时由值班长确认；确认后跨入该年的期限不再标“暂定”")
        )

        self.model: RecordTableModel[tuple[HolidayRow, str]] = RecordTableModel(
            [
                ("日期", lambda r: r[0].day.isoformat()),
                ("星期", lambda r: "一二三四五六日"[r[0].day.weekday()]),
                ("安排", lambda r: KIND_LABELS.get(r[0].kind, r[0].kind)),
                ("名称", lambda r: r[0].name),
                ("来源", lambda r: SOURCE_LABELS.get(r[1], r[1])),
            ]
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        self.day = QDateEdit()
        self.day.setObjectName("day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        self.kind.addItem(self.tr("放假"), "holiday")
        self.kind.addItem(self.tr("调休上班"), "workday")
        self.kind.addItem(self.tr("按平常（清除）"), None)
        self.name = QLineEdit()
        self.name.setObjectName("dayName")
        self.name.setPlaceholderText(self.tr("名称，如 元旦"))
        self.set_button = QPushButton(self.tr("设置这一天"))
        self.set_button.setObjectName("setDay")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("年份")))
        top.addWidget(self.year)
        top.addWidget(self.state, 1)
        top.addWidget(self.confirm_button)
        top.addWidget(self.import_button)
        edit = QHBoxLayout()
        edit.addWidget(self.day)
        edit.addWidget(self.kind)
        edit.addWidget(self.name, 1)
        edit.addWidget(self.set_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit)
        layout.addWidget(self.message)

        self.year.valueChanged.connect(self.refresh)
        self.import_button.clicked.connect(self.on_import_requested)
        self.confirm_button.clicked.connect(self.on_confirm_requested)
        self.set_button.clicked.connect(self.on_set_day_requested)
        self.name.returnPressed.connect(self.on_set_day_requested)
        self.refresh()

    def refresh(self) -> None:
        year = self.year.value()
        self.model.set_records(self.calendar.year(year))
        known = self.calendar.year_known(year)
        self.confirm_button.setVisible(not known and self.model.rowCount() > 0)
        if known:
            self.state.setText(self.tr("{} 年节假日安排已录入").format(year))
            self.state.setStyleSheet("color: #0b6e4f;")
        elif self.model.rowCount():
            self.state.setText(
                self.tr(
                    "{} 年只录入了部分日期，尚未确认全年：跨入该年的期限仍标“暂定”。"
                    "全部录入后请点“确认全年已录入”"
                ).format(year)
            )
            self.state.setStyleSheet("color: #b00020; font-weight: bold;")
        else:
            self.state.setText(
                self.tr("{} 年节假日安排尚未录入：跨入该年的期限只按周末推算并标“暂定”").format(
                    year
                )
            )
            self.state.setStyleSheet("color: #b00020; font-weight: bold;")

    def import_text(self, text: str) -> None:
        try:
            result = self.calendar.import_file(self.session, text, self.clock())
        except CounterError as exc:
            self.show_message(safety_net.page_message(exc), ok=False)
            return
        text = self.tr("已导入 {} 条节假日安排").format(result.rows)
        if result.partial:
            years = "、".join(str(y) for y in result.partial)
            text += self.tr(
                "；{} 年的日期不同时含元旦和国庆，只作为部分日期录入，该年尚未确认全年"
            ).format(years)
            self.year.setValue(result.partial[0])
        elif result.complete:
            self.year.setValue(result.complete[0])
        self.show_message(text, ok=not result.partial)
        self.refresh()

    def on_confirm_requested(self) -> None:
        year = self.year.value()
        try:
            self.calendar.confirm_year(self.session, year, self.clock())
        except CounterError as exc:
            self.show_message(safety_net.page_message(exc), ok=False)
            return
        self.show_message(self.tr("已确认 {} 年节假日安排完整").format(year), ok=True)
        self.refresh()

    def on_import_requested(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择节假日文件"), "", self.tr("文本文件 (*.txt *.csv);;所有文件 (*)")
        )
        if path:
            self.import_text(Path(path).read_text(encoding="utf-8-sig"))

    def on_set_day_requested(self) -> None:
        qdate = self.day.date()
        day = date(qdate.year(), qdate.month(), qdate.day())
        try:
            self.calendar.set_day(
                self.session, day, self.kind.currentData(), self.name.text().strip(), self.clock()
            )
        except CounterError as exc:
            self.show_message(safety_net.page_message(exc), ok=False)
            return
        self.show_message(self.tr("已更新 {}").format(day.isoformat()), ok=True)
        self.year.setValue(day.year)
        self.refresh()

    def show_message(self, text: str, *, ok: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #0b6e4f;" if ok else "color: #b00020;")
