"""The intake page: what they came for, who they are, the checklist, the decision.

Keyboard first, top to bottom: type the item or bundle (name, code or pinyin initials)
and Enter; the applicant's fields (each checked as typed, the message under it);
Ctrl+M (材料) to the checklist and its number keys; then the decision key. The notice appears
as text on the right. Ctrl+N starts the next applicant.

The keys work wherever the cursor is on the page (window-wide while the page is shown).
A form is decided once: after its case is saved the decision keys are off until Ctrl+N
starts the next form, and the service refuses a second decision for the same form
(its request id) however fast or often a key is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.catalog import Bundle, Checklist, Item
from counter.model.errors import CounterError, ValidationError
from counter.model.intake import (
    APPLICANT_FIELDS,
    ApplicantForm,
    ApplicantKind,
    Decision,
    FieldWarning,
)
from counter.model.notice import Notice
from counter.model.queue import Ticket
from counter.model.settings import Settings
from counter.model.staff import Role
from counter.model.visits import CaseDraft
from counter.services.intake_service import (
    NEEDS_CONFIRMATION,
    IntakeRequest,
    IntakeResult,
    IntakeService,
    Override,
)
from counter.services.session import Session
from counter.ui.checklist_editor import ChecklistEditor
from counter.ui.drafts_dialog import DraftsDialog
from counter.ui.forms import FieldErrors, FieldMessage, WrappedLabel
from counter.ui.notice_preview import NoticePreview
from counter.ui.override_dialog import OverrideDialog
from counter.ui.record_model import catalog_results_model, days_text, record_table_view

WARNING_STYLE = "color: #8a5300;"
VERIFIED_STYLE = "color: #0b6e4f;"

#: Decision keys, in the order the buttons show them.
DECISION_KEYS: tuple[tuple[Decision | None, str], ...] = (
    (Decision.ACCEPT, "F5"),
    (Decision.SUPPLEMENT, "F6"),
    (Decision.RONGQUE, "F7"),
    (Decision.CORRECTED, "F8"),
    (Decision.NO_LICENCE, "F9"),
    (Decision.NOT_OUR_OFFICE, "F10"),
    (None, "Ctrl+S"),
)

_LABELS = {
    "id_number": "统一社会信用代码",
    "name": "企业名称",
    "legal_rep": "法定代表人",
    "contact": "联系人",
    "phone": "手机号码",
    "agent_name": "代办人姓名",
    "agent_id": "代办人身份证号",
}


class IntakePage(QWidget):
    title = "受理"
    case_saved = Signal(object)  # IntakeResult, after its transaction committed

    def __init__(
        self,
        intake: IntakeService,
        session: Session,
        settings: Settings,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        print_notice: Callable[[Session, Notice], str] | None = None,
        drafts: Callable[[], list[CaseDraft]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.intake = intake
        self.session = session
        self.settings = settings
        self.clock = clock
        self.print_notice = print_notice
        self.target: Item | Bundle | None = None
        self.override: Override | None = None
        self.ticket_id: str | None = None
        self.drafts = drafts
        self.draft_id: str | None = None  # a site-visit draft being taken in
        self.last_result: IntakeResult | None = None
        #: The form's id, made when it is started: its one decision names it.
        self.request_id = intake.new_request_id(clock())
        #: The case this form made: the form is "saved" until Ctrl+N starts the next.
        self.saved: IntakeResult | None = None
        self.deciding = False  # a decision being saved: another key press waits for none
        #: The booked visitor of the ticket in hand (name, ID), put on each new form.
        self.booked: tuple[str, str] | None = None
        self.prefilled: dict[str, str] = {}  # field → the booked value put there

        # --- what they came for
        self.search = QLineEdit()
        self.search.setObjectName("intakeSearch")
        self.search.setPlaceholderText(self.tr("事项或一件事：名称、编码或拼音首字母（qykb）"))
        self.search.installEventFilter(self)
        self.results_model = catalog_results_model(intake.catalog.department_name)
        self.results = record_table_view(self.results_model, stretch=2)
        self.results.setObjectName("intakeResults")
        self.results.setMaximumHeight(120)
        self.results.installEventFilter(self)
        self.chosen = WrappedLabel(self.tr("尚未选择事项"))
        self.chosen.setObjectName("chosenTarget")
        self.chosen.setStyleSheet("font-size: 11pt;")

        # --- the applicant
        self.kind = QComboBox()
        self.kind.setObjectName("applicantKind")
        self.kind.addItems([k.value for k in ApplicantKind])
        self.fields: dict[str, QLineEdit] = {}
        self.warnings: dict[str, QLabel] = {}
        self.errors = FieldErrors()
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow(self.tr("申请人类型"), self.kind)
        for field in APPLICANT_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(field)
            self.fields[field] = edit
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.setSpacing(1)
            inner.addWidget(edit)
            error = FieldMessage(f"error_{field}")
            warning = FieldMessage(f"warning_{field}", WARNING_STYLE)
            inner.addWidget(error)
            inner.addWidget(warning)
            label = QLabel(_LABELS[field])
            self.labels[field] = label
            form.addRow(label, box)
            self.errors.labels[field] = error
            self.errors.widgets[field] = edit
            self.warnings[field] = warning
            edit.textChanged.connect(lambda _text, f=field: self.on_field_edited(f))
        self.returning = WrappedLabel()
        self.returning.setObjectName("returningApplicant")
        self.returning.setStyleSheet("color: #0b6e4f;")
        self.override_label = WrappedLabel()
        self.override_label.setObjectName("overrideState")
        applicant_box = QGroupBox(self.tr("申请人"))
        al = QVBoxLayout(applicant_box)
        al.addLayout(form)
        al.addWidget(self.returning)
        al.addWidget(self.override_label)

        # --- the checklist
        self.checklist = ChecklistEditor()
        self.checklist.latest_promise = self._latest_promise
        self.checklist.changed.connect(lambda: self.errors.general.hide())

        # --- the decision
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(self.tr("理由（不予受理、不需许可、当场更正时必填）"))
        self.other_office = QLineEdit()
        self.other_office.setObjectName("other_office")
        self.other_office.setPlaceholderText(self.tr("应当前往的机关（非本机关职权时必填）"))
        decision_form = QFormLayout()
        self.errors.add_row(decision_form, self.tr("理由"), "reason", self.reason)
        self.errors.add_row(decision_form, self.tr("应往机关"), "other_office", self.other_office)
        self.errors.labels["checklist"] = self.checklist.error
        self.errors.widgets["checklist"] = self.checklist.table
        buttons = QHBoxLayout()
        self.decision_buttons: dict[Decision | None, QPushButton] = {}
        for decision, key in DECISION_KEYS:
            text = decision.value if decision else self.tr("存为预审")
            button = QPushButton(f"{text} ({key})")
            button.setObjectName(f"decide_{decision.name if decision else 'DRAFT'}")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, d=decision: self.decide(d))
            buttons.addWidget(button)
            self.decision_buttons[decision] = button
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(lambda d=decision: self.decide(d))

        # --- the outcome
        self.outcome = WrappedLabel()
        self.outcome.setObjectName("intakeOutcome")
        self.outcome.setStyleSheet("font-size: 13pt; font-weight: bold; color: #0b6e4f;")
        self.preview = NoticePreview()
        self.preview.setObjectName("noticePreview")
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText(
            self.tr("作出决定后，这里显示通知书内容（Ctrl+N 办理下一位）")
        )

        self.tabs = QTabWidget()
        self.tabs.setObjectName("intakeTabs")
        self.tabs.addTab(self.checklist, self.tr("材料清单（Ctrl+M）"))
        notice_box = QWidget()
        nl = QVBoxLayout(notice_box)
        nl.addWidget(self.outcome)
        nl.addWidget(self.preview, 1)
        self.tabs.addTab(notice_box, self.tr("通知书预览"))
        applicant_box.setMinimumWidth(430)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("办理事项(F2)：")))
        top.addWidget(self.search, 1)
        if drafts is not None:
            drafts_button = QPushButton(self.tr("上门预审草稿 (F3)"))
            drafts_button.setObjectName("openDrafts")
            drafts_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            drafts_button.clicked.connect(self.open_drafts)
            top.addWidget(drafts_button)
        self.serving = QLabel()
        self.serving.setObjectName("intakeServing")
        self.serving.setStyleSheet("font-weight: bold; color: #0b4f8a;")
        top.addWidget(self.serving)
        layout.addLayout(top)
        layout.addWidget(self.results)
        layout.addWidget(self.chosen)
        middle = QHBoxLayout()
        middle.addWidget(applicant_box, 2)
        middle.addWidget(self.tabs, 3)
        layout.addLayout(middle, 1)
        layout.addLayout(decision_form)
        layout.addLayout(buttons)
        layout.addWidget(self.errors.general)

        for key, slot in (
            ("F2", self.focus_search),
            ("Ctrl+M", self.focus_checklist),
            ("Ctrl+N", self.reset),
            ("F4", self.request_override),
            ("F3", self.open_drafts),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(slot)
        self.search.textChanged.connect(self.on_query_changed)
        self.kind.currentIndexChanged.connect(self.on_kind_changed)
        self.on_kind_changed()
        self.on_query_changed()

    # --- navigation -----------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_checklist(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.checklist.table.setFocus()
        if self.checklist.current_row() < 0 and self.checklist.model.rowCount():
            self.checklist.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter picks the best match (or the highlighted row); Down walks the results."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if watched is self.search and enter:
                if self.results_model.rowCount():
                    self.choose(0)
                return True
            if watched is self.search and key == Qt.Key.Key_Down:
                if self.results_model.rowCount():
                    self.results.setFocus()
                    self.results.selectRow(0)
                return True
            if watched is self.results and enter:
                index = self.results.currentIndex()
                self.choose(index.row() if index.isValid() else 0)
                return True
        return super().eventFilter(watched, event)

    def on_query_changed(self) -> None:
        self.results_model.set_records(self.intake.search(self.session, self.search.text())[:50])
        if self.results_model.rowCount():
            self.results.selectRow(0)

    def choose(self, row: int) -> None:
        entry = self.results_model.record(row)
        try:
            target = self.intake.target(entry.code)
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.target = target
        checklist = self.intake.catalog.checklist(target)
        self.checklist.set_checklist(checklist)
        if isinstance(target, Bundle):
            names = "、".join(i.name for i in self.intake.items_of(target))
            detail = self.tr("一件事（{} 个事项）：{}").format(len(target.item_codes), names)
            self.kind.setCurrentIndex(list(ApplicantKind).index(ApplicantKind(target.applicant)))
        else:
            detail = self.intake.catalog.department_name(target.department)
        self.chosen.setText(
            f"<b>{target.name}（{target.code}）</b> 承诺 {days_text(target.promised_days)}"
            f"<br>{detail}<br><span style='color:#0b6e4f'>{checklist.reduction_text()}</span>"
        )
        self.fields["id_number"].setFocus()

    # --- applicant ------------------------------------------------------------------------

    def applicant_kind(self) -> ApplicantKind:
        return list(ApplicantKind)[self.kind.currentIndex()]

    def form(self) -> ApplicantForm:
        values = {f: self.fields[f].text() for f in APPLICANT_FIELDS}
        return ApplicantForm(kind=self.applicant_kind(), **values)

    def on_kind_changed(self) -> None:
        enterprise = self.applicant_kind() is ApplicantKind.ENTERPRISE
        self.labels["id_number"].setText(
            self.tr("统一社会信用代码") if enterprise else self.tr("居民身份证号")
        )
        self.labels["name"].setText(self.tr("企业名称") if enterprise else self.tr("姓名"))
        for field in ("legal_rep", "contact"):
            self.fields[field].setEnabled(enterprise)
            self.labels[field].setEnabled(enterprise)
        self.override = None
        self.put_booked()
        for field in APPLICANT_FIELDS:
            if self.fields[field].text():
                self.on_field_edited(field)

    def on_field_edited(self, field: str) -> None:
        """Check the field as typed; a message only once something is typed there."""
        error, warning = self.errors.labels[field], self.warnings[field]
        self.override = None
        self.override_label.clear()
        if not self.fields[field].text().strip():
            error.hide()
            warning.hide()
            return
        try:
            value, soft, verified = self.intake.field_check(self.form(), field, self.clock().date())
        except ValidationError as exc:
            error.setText(exc.message)
            error.show()
            warning.hide()
            return
        error.hide()
        if soft:
            warning.setStyleSheet(WARNING_STYLE)
            warning.setText("；".join(soft) + self.tr("（F4 请值班长确认）"))
            warning.show()
        elif verified is not None:  # confirmed at an earlier visit: no second override
            warning.setStyleSheet(VERIFIED_STYLE)
            warning.setText(verified.text)
            warning.show()
        else:
            warning.hide()
        if field == "id_number":
            self.look_up_returning(value)

    def look_up_returning(self, id_number: str) -> None:
        found = self.intake.returning_applicant(self.applicant_kind(), id_number)
        if found is None:
            self.returning.clear()
            return
        for field, value in (
            ("name", found.name),
            ("legal_rep", found.legal_rep),
            ("contact", found.contact),
            ("phone", found.phone),
        ):
            if not self.fields[field].text() and value:
                self.fields[field].setText(value)
        self.returning.setText(self.tr("老申请人：已带出以前办件登记的信息，请核对"))

    def current_warnings(self) -> list[FieldWarning]:
        out: list[FieldWarning] = []
        form = self.form()
        for field in APPLICANT_FIELDS:
            if not self.fields[field].text().strip():
                continue
            try:
                _, soft, _ = self.intake.field_check(form, field, self.clock().date())
            except ValidationError:
                continue
            out.extend(FieldWarning(field, w) for w in soft)
        return out

    def request_override(self) -> None:
        warnings = self.current_warnings()
        if not warnings:
            self.override_label.setText(self.tr("没有需要确认的提示"))
            return
        if self.session.staff.role in (Role.SUPERVISOR, Role.ADMIN):
            self.override = self.intake.confirm_override(self.session, warnings)
        else:
            dialog = OverrideDialog(self.intake, self.session, warnings, self)
            if not dialog.exec() or dialog.override is None:
                return
            self.override = dialog.override
        self.override_label.setStyleSheet(WARNING_STYLE)
        self.override_label.setText(
            self.tr("已由值班长 {} 确认上述提示").format(self.override.staff_name)
        )

    def _latest_promise(self) -> date:
        assert self.target is not None
        return self.intake.latest_promise(self.target.code, self.clock())

    # --- deciding -------------------------------------------------------------------------

    def decide(self, decision: Decision | None) -> None:
        """Save the form's one decision. A key pressed again while it is being saved, or
        after it was, makes no second case: the form waits for Ctrl+N."""
        if self.deciding:
            return
        if self.saved is not None:
            self.errors.clear()
            self.errors.general.setText(
                self.tr("办件 {} 已保存，不会重复登记；办理下一位请按 Ctrl+N").format(
                    self.saved.case.number
                )
            )
            self.errors.general.show()
            return
        if self.target is None:
            self.errors.show(ValidationError("search", "请先选择办理的事项或一件事"))
            self.focus_search()
            return
        self.deciding = True
        self.enable_decisions(False)
        try:
            self._decide(decision)
        finally:
            self.deciding = False
            self.enable_decisions(self.saved is None)

    def enable_decisions(self, enabled: bool) -> None:
        for button in self.decision_buttons.values():
            button.setEnabled(enabled)

    def _decide(self, decision: Decision | None) -> None:
        assert self.target is not None
        request = IntakeRequest(
            target_code=self.target.code,
            applicant=self.form(),
            states=self.checklist.states(),
            decision=decision,
            reason=self.reason.text(),
            other_office=self.other_office.text(),
            override=self.override,
            ticket_id=self.ticket_id,
            draft_id=self.draft_id,
            request_id=self.request_id,
        )
        try:
            result = self.intake.decide(self.session, request, self.clock())
        except CounterError as exc:
            self.errors.show(exc)
            self.point_at_warnings()
            return
        self.errors.clear()
        self.draft_id = None
        self.last_result = self.saved = result
        self.case_saved.emit(result)
        state = result.case.state.value
        subs = f"，含 {len(result.sub_cases)} 个子件" if result.sub_cases else ""
        self.outcome.setText(
            self.tr("办件 {} 已保存：{}{}（Ctrl+N 办理下一位）").format(
                result.case.number, state, subs
            )
        )
        if result.notice is not None:
            self.preview.show_notice(
                result.notice,
                hide_id=self.settings["mask_id"],
                hide_phone=self.settings["mask_phone"],
            )
            if self.print_notice is not None:
                printed = self.print_notice(self.session, result.notice)
                self.outcome.setText(f"{self.outcome.text()}；{printed}")
        else:
            self.preview.setPlainText(self.tr("已存为预审草稿，尚未出具通知书。"))
        self.tabs.setCurrentIndex(1)
        self.preview.setFocus()

    def point_at_warnings(self) -> None:
        """A warning still to be confirmed is already spelt out in amber under its
        field: the red line says only what it takes, not the warning over again."""
        for field, warning in self.warnings.items():
            error = self.errors.labels[field]
            said = error.text().removesuffix(f"（{NEEDS_CONFIRMATION}）")
            if warning.isVisible() and said != error.text() and said in warning.text():
                error.setText(
                    self.tr("{}：见下方提示，按 F4 请值班长确认").format(NEEDS_CONFIRMATION)
                )

    def open_drafts(self) -> None:
        """F3: the drafts specialists made on visits, synced to this counter."""
        if self.drafts is None:
            return
        dialog = DraftsDialog(self.drafts(), self)
        if dialog.exec() and dialog.chosen is not None:
            self.load_draft(dialog.chosen)

    def load_draft(self, draft: CaseDraft) -> None:
        """Open a visit's draft: item, enterprise, agent and checklist as the specialist
        left them; the clerk checks the originals and decides (F5), nothing retyped."""
        self.reset()
        self.search.setText(draft.target_code)
        codes = [self.results_model.record(n).code for n in range(self.results_model.rowCount())]
        if draft.target_code not in codes:
            self.errors.show(ValidationError("search", f"目录中已没有“{draft.target_name}”"))
            return
        self.choose(codes.index(draft.target_code))
        lines = [line.material.id for line in self.checklist.checklist]
        if lines == [state.material_id for state in draft.states]:
            self.checklist.set_checklist(self.checklist.checklist, draft.states)
        else:
            self.checklist.error.setText(self.tr("目录已更新，材料清单与预审时不同，请逐项核对"))
        self.kind.setCurrentIndex(list(ApplicantKind).index(ApplicantKind.ENTERPRISE))
        for field, value in (
            ("id_number", draft.uscc),
            ("name", draft.enterprise_name),
            ("legal_rep", draft.legal_rep),
            ("contact", draft.contact),
            ("phone", draft.phone),
            ("agent_name", draft.agent_name),
            ("agent_id", draft.agent_id_number),
        ):
            self.fields[field].setText(value)
        self.draft_id = draft.id
        self.chosen.setText(
            self.chosen.text()
            + self.tr("<br>上门预审草稿：{}（帮代办专员 {}）").format(
                draft.enterprise_name, draft.specialist_name
            )
        )
        self.focus_checklist()

    def serve_ticket(self, ticket: Ticket | None) -> None:
        """The ticket called at this window: cases opened while it is served carry it.
        A visitor who booked (预约) gave a name and ID: they go onto the form.

        Driven by the queue panel, not by :meth:`reset`, because one visit may open
        several cases one after another.
        """
        self.ticket_id = ticket.id if ticket else None
        self.serving.setText(self.tr("正在服务 {} 号").format(ticket.number) if ticket else "")
        booked = ticket is not None and ticket.appointment_code and ticket.person_id
        self.booked = (ticket.person_name, ticket.person_id) if ticket and booked else None
        if self.booked is None:
            self.prefilled = {}  # what was put on the form stays there, the clerk's now
        elif self.saved is None:  # a saved form keeps its own until Ctrl+N
            self.put_booked()

    def put_booked(self) -> None:
        """The booked visitor's name and ID in the empty fields they belong in: the
        applicant's for a person, the agent's (代办人) for an enterprise. What was put
        there before and not changed since moves when the applicant kind changes."""
        for field, value in self.prefilled.items():
            if self.fields[field].text() == value:
                self.fields[field].clear()
        self.prefilled = {}
        if self.booked is None:
            return
        name, id_number = self.booked
        person = self.applicant_kind() is ApplicantKind.PERSON
        fields = ("name", "id_number") if person else ("agent_name", "agent_id")
        for field, value in zip(fields, (name, id_number), strict=True):
            if value and not self.fields[field].text():
                self.fields[field].setText(value)
                self.prefilled[field] = value
        if self.prefilled:
            self.returning.setText(self.tr("预约人：已带出预约登记的姓名和身份证号，请核对"))

    def reset(self) -> None:
        """Next applicant: a new form (its own request id), the decision keys back on."""
        self.target = None
        self.override = None
        self.draft_id = None
        self.saved = None
        self.request_id = self.intake.new_request_id(self.clock())
        self.enable_decisions(True)
        self.prefilled = {}
        for edit in (*self.fields.values(), self.reason, self.other_office):
            edit.clear()
        self.errors.clear()
        for label in self.warnings.values():
            label.hide()
        self.returning.clear()
        self.override_label.clear()
        self.checklist.set_checklist(Checklist(()))
        self.chosen.setText(self.tr("尚未选择事项"))
        self.preview.clear()
        self.outcome.clear()
        self.tabs.setCurrentIndex(0)
        self.search.clear()
        self.put_booked()
        self.focus_search()
