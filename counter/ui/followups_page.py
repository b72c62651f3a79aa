"""Follow-ups: the supervisor's list of bad reviews and registered matters, sorted by the
deadline that matters now with a light, each step recorded with a note; and the form for
registering a 办不成事 matter, an enterprise complaint or a reception-day problem.

Bad reviews (and so who rated) appear only for the supervisor; the phone is masked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.deadlines import Light
from counter.model.errors import CounterError
from counter.model.followups import FollowUp, FollowUpKind, Matter, Step, steps_allowed
from counter.model.identity import mask_phone
from counter.model.staff import Role
from counter.services.ratings_service import REGISTER_KINDS, RatingsService
from counter.services.session import Session
from counter.ui.forms import FieldErrors
from counter.ui.rating_entry import RatingEntryDialog
from counter.ui.record_model import RecordTableModel, record_table_view

LIGHT_COLOURS = {Light.GREEN: "#0b6e4f", Light.YELLOW: "#b58a00", Light.RED: "#b00020"}


def _split(text: str) -> tuple[str, ...]:
    return tuple(
        p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()
    )


class _Model(RecordTableModel[FollowUp]):
    """Colours the light column."""

    def __init__(self, lights: Callable[[FollowUp], Light | None]) -> None:
        def light(f: FollowUp) -> str:
            found = lights(f)
            return f"● {found.value}" if found else "—"

        def due(f: FollowUp) -> str:
            when = f.next_due
            if when is None:
                return f"已结束 {f.closed_at:%Y-%m-%d}" if f.closed_at else "已结束"
            what = "回访/答复" if f.first_due is not None and f.first_done_at is None else "办结"
            mark = "（暂定）" if f.due_provisional else ""
            return f"{what} {when:%Y-%m-%d %H:%M}{mark}"

        super().__init__(
            [
                ("灯", light),
                ("类别", lambda f: f.kind.value),
                ("状态", lambda f: f.state.value),
                ("期限", due),
                ("诉求人", lambda f: f.who or "（未留）"),
                ("电话", lambda f: mask_phone(f.contact) if f.contact else ""),
                ("内容", lambda f: f.matter),
                ("事项", lambda f: "、".join(f.items)),
                ("窗口/经办", lambda f: f"{f.window} {f.clerk_name}".strip()),
                ("承办人", lambda f: f.handler),
                ("关联办件", lambda f: "、".join(f.cases)),
            ]
        )
        self.lights = lights

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == 0:
            found = self.lights(self.record(index.row()))
            return QBrush(QColor(LIGHT_COLOURS[found])) if found else None
        return super().data(index, role)


class FollowUpsPage(QWidget):
    title = "整改与诉求"
    changed = Signal()

    def __init__(
        self,
        ratings: RatingsService,
        session: Session,
        clock: Callable[[], datetime],
        *,
        yellow_share: float = 0.25,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ratings = ratings
        self.session = session
        self.clock = clock
        supervisor = session.staff.role in (Role.SUPERVISOR, Role.ADMIN)
        self.kinds: tuple[FollowUpKind, ...] = (
            (FollowUpKind.BAD_REVIEW, *REGISTER_KINDS) if supervisor else REGISTER_KINDS
        )

        self.filter = QComboBox()
        self.filter.setObjectName("kindFilter")
        self.filter.addItem(self.tr("全部"), "")
        for kind in self.kinds:
            self.filter.addItem(kind.value, kind.value)
        self.model = _Model(lambda f: f.light(self.clock(), yellow_share))
        self.table = record_table_view(self.model, stretch=6)
        self.table.setObjectName("followups")
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)

        # Recording a step.
        self.step = QComboBox()
        self.step.setObjectName("step")
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText(self.tr("办理情况说明（必填）"))
        self.outcome = QLineEdit()
        self.outcome.setObjectName("outcome")
        self.outcome.setPlaceholderText(self.tr("结果（办结、整改时填写；不填则用说明）"))
        self.record_button = QPushButton(self.tr("记录 (Ctrl+Enter)"))
        self.record_button.setObjectName("recordStep")
        self.record_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.record_button.clicked.connect(self.on_record_clicked)
        self.note.returnPressed.connect(self.on_record_clicked)
        self.history = QLabel()
        self.history.setObjectName("history")
        self.history.setWordWrap(True)
        self.step_errors = FieldErrors()
        step_box = QGroupBox(self.tr("办理记录"))
        step_form = QFormLayout(step_box)
        step_form.addRow(self.tr("步骤"), self.step)
        self.step_errors.add_row(step_form, self.tr("说明"), "note", self.note)
        step_form.addRow(self.tr("结果"), self.outcome)
        step_form.addRow("", self.record_button)
        step_form.addRow(self.step_errors.general)
        step_form.addRow(self.history)

        # Registering a matter.
        self.kind = QComboBox()
        self.kind.setObjectName("registerKind")
        for kind in REGISTER_KINDS:
            self.kind.addItem(kind.value, kind.value)
        self.who = QLineEdit()
        self.who.setObjectName("who")
        self.contact = QLineEdit()
        self.contact.setObjectName("contact")
        self.matter = QLineEdit()
        self.matter.setObjectName("matter")
        self.items = QLineEdit()
        self.items.setObjectName("items")
        self.items.setPlaceholderText(self.tr("多个事项用逗号分隔"))
        self.why = QLineEdit()
        self.why.setObjectName("why")
        self.handler = QLineEdit()
        self.handler.setObjectName("handler")
        self.handler.setPlaceholderText(session.staff.name)
        self.cases = QLineEdit()
        self.cases.setObjectName("cases")
        self.cases.setPlaceholderText(self.tr("办件编号，逗号分隔"))
        self.due_days = QDoubleSpinBox()
        self.due_days.setObjectName("dueDays")
        self.due_days.setRange(0, 60)
        self.due_days.setSingleStep(0.5)
        self.due_days.setSpecialValueText(self.tr("默认"))
        self.register_button = QPushButton(self.tr("登记 (Ctrl+N)"))
        self.register_button.setObjectName("register")
        self.register_button.setShortcut(QKeySequence("Ctrl+N"))
        self.register_button.clicked.connect(self.on_register_clicked)
        self.register_errors = FieldErrors()
        register_box = QGroupBox(self.tr("登记办不成事 / 涉企诉求 / 接待日问题"))
        form = QFormLayout(register_box)
        form.addRow(self.tr("类别"), self.kind)
        for label, field, widget in (
            ("诉求人", "who", self.who),
            ("联系电话", "contact", self.contact),
            ("诉求内容", "matter", self.matter),
            ("涉及事项", "items", self.items),
            ("原因", "why", self.why),
            ("承办人", "handler", self.handler),
            ("关联办件", "cases", self.cases),
            ("办理期限（工作日）", "due_days", self.due_days),
        ):
            self.register_errors.add_row(form, self.tr(label), field, widget)
        form.addRow("", self.register_button)
        form.addRow(self.register_errors.general)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("类别")))
        top.addWidget(self.filter)
        top.addStretch(1)
        self.enter_rating_button = QPushButton(self.tr("录入热线、扫码评价 (Ctrl+H)"))
        self.enter_rating_button.setObjectName("enterRating")
        self.enter_rating_button.setShortcut(QKeySequence("Ctrl+H"))
        self.enter_rating_button.clicked.connect(self.on_enter_rating_clicked)
        self.enter_rating_button.setVisible(supervisor)
        top.addWidget(self.enter_rating_button)
        lower = QHBoxLayout()
        lower.addWidget(step_box, 1)
        lower.addWidget(register_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(lower)

        self.filter.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def on_enter_rating_clicked(self) -> None:
        dialog = RatingEntryDialog(self.ratings, self.session, self.clock, self)
        if dialog.exec() and dialog.outcome is not None:
            self.refresh()
            self.changed.emit()

    # --- the list ---------------------------------------------------------------------

    def refresh(self) -> None:
        chosen = self.filter.currentData()
        kinds = (FollowUpKind(chosen),) if chosen else self.kinds
        try:
            found = self.ratings.followups(self.session, kinds, self.clock())
        except CounterError as exc:
            self.step_errors.show(exc)
            found = []
        self.model.set_records(found)
        if found:
            self.table.selectRow(0)
        else:
            self._on_row_changed()

    def selected(self) -> FollowUp | None:
        row = self.table.currentIndex().row()
        return self.model.record(row) if 0 <= row < self.model.rowCount() else None

    def _on_row_changed(self, *_args: object) -> None:
        self.step.clear()
        chosen = self.selected()
        if chosen is None:
            self.history.clear()
            return
        for step in steps_allowed(chosen.state):
            self.step.addItem(step.value, step.value)
        try:
            notes = self.ratings.notes(self.session, chosen.id)
        except CounterError:
            notes = []
        self.history.setText(
            "\n".join(f"{n.at:%m-%d %H:%M} {n.staff_name} {n.step.value}：{n.text}" for n in notes)
            or self.tr("尚无记录")
        )

    # --- acting -------------------------------------------------------------------------

    def on_record_clicked(self) -> None:
        chosen = self.selected()
        if chosen is None or self.step.currentData() is None:
            return
        try:
            self.ratings.step(
                self.session,
                chosen.id,
                Step(self.step.currentData()),
                self.note.text(),
                self.clock(),
                outcome=self.outcome.text(),
            )
        except CounterError as exc:
            self.step_errors.show(exc)
            return
        self.step_errors.clear()
        self.note.clear()
        self.outcome.clear()
        self.refresh()
        self.changed.emit()

    def on_register_clicked(self) -> None:
        matter = Matter(
            kind=FollowUpKind(self.kind.currentData()),
            who=self.who.text(),
            matter=self.matter.text(),
            contact=self.contact.text(),
            items=_split(self.items.text()),
            why=self.why.text(),
            handler=self.handler.text(),
            cases=_split(self.cases.text()),
            due_days=self.due_days.value() or None,
        )
        try:
            self.ratings.register(self.session, matter, self.clock())
        except CounterError as exc:
            self.register_errors.show(exc)
            return
        self.register_errors.clear()
        for edit in (self.who, self.contact, self.matter, self.items, self.why, self.cases):
            edit.clear()
        self.due_days.setValue(0)
        self.refresh()
        self.changed.emit()
