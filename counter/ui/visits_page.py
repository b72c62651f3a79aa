"""The specialist's visits page: log a visit, its 跟跑 tasks, pre-review, authorise, draft.

Works with no network: every save goes to this laptop's store and its outbox. Keys:
Ctrl+N a new visit, Ctrl+S save the visit, Ctrl+T add the 跟跑 task, Enter in the item
box loads its merged checklist (keys as at the window: 1 ready, 0 missing, A all ready),
Ctrl+P save the pre-review and print the list to prepare, Ctrl+W record the 代办委托,
Ctrl+D make the draft case for the hall. The item box finds what the 受理 page finds
(name, code or pinyin initials); a new 跟跑 task is due the next working day and a
代办委托 runs a month unless the specialist changes the date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError, ValidationError
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.staff import Role
from counter.model.visits import (
    Authorisation,
    AuthorisationForm,
    FollowUpTask,
    PreReview,
    Visit,
    VisitForm,
)
from counter.services.session import Session
from counter.services.visits_service import DraftApplicant, VisitsService
from counter.ui.checklist_editor import ChecklistEditor
from counter.ui.forms import FieldErrors
from counter.ui.record_model import RecordTableModel, record_table_view

Printer = Callable[[Session, DocumentKind, PrintPayload, str], str]

_FIELDS = (
    ("uscc", "统一社会信用代码"),
    ("enterprise_name", "企业名称"),
    ("address", "企业地址"),
    ("contact", "联系人"),
    ("contact_phone", "联系电话"),
    ("place", "走访地点"),
    ("purpose", "走访目的"),
    ("items", "涉及事项编码"),
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _split(text: str) -> tuple[str, ...]:
    return tuple(x for x in text.replace("，", ",").replace("、", ",").split(",") if x.strip())


class VisitsPage(QWidget):
    title = "上门走访"

    def __init__(
        self,
        service: VisitsService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        print_document: Printer | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.clock = clock
        self.print_document = print_document
        self.visit: Visit | None = None
        self.review: PreReview | None = None
        self.target_code = ""

        self.list_model: RecordTableModel[Visit] = RecordTableModel(
            [
                ("日期", lambda v: v.visited_on.isoformat()),
                ("企业", lambda v: v.enterprise_name),
                ("目的", lambda v: v.purpose),
            ]
        )
        # A specialist's own visits first: the team's arrive with sync and would bury them.
        self.mine_only = QCheckBox(self.tr("只看我的走访"))
        self.mine_only.setObjectName("mineOnly")
        self.mine_only.setChecked(session.staff.role is Role.SPECIALIST)
        self.mine_only.toggled.connect(lambda _checked: self.refresh())
        self.list = record_table_view(self.list_model, stretch=1)
        self.list.setObjectName("visitList")
        self.list.selectionModel().currentRowChanged.connect(self.on_visit_chosen)

        # --- the visit form
        self.errors = FieldErrors()
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, label in _FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"visit_{name}")
            self.fields[name] = edit
            self.errors.add_row(form, label, name, edit)
        self.fields["items"].setPlaceholderText(self.tr("如 YJS-QYKB，多个用逗号分隔"))
        self.visited_on = QDateEdit()
        self.visited_on.setObjectName("visit_visited_on")
        self.visited_on.setCalendarPopup(True)
        self.visited_on.setDisplayFormat("yyyy-MM-dd")
        self.errors.add_row(form, self.tr("走访日期"), "visited_on", self.visited_on)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("visit_notes")
        self.notes.setMaximumHeight(70)
        self.errors.add_row(form, self.tr("走访记录"), "notes", self.notes)
        self.save_button = QPushButton(self.tr("保存走访 (Ctrl+S)"))
        self.save_button.setObjectName("saveVisit")
        self.save_button.clicked.connect(self.save_visit)

        self.tasks_model: RecordTableModel[FollowUpTask] = RecordTableModel(
            [
                ("跟跑事项", lambda t: t.text),
                ("期限", lambda t: t.due.isoformat()),
                ("状态", lambda t: "已完成" if t.done_at else "进行中"),
            ]
        )
        self.tasks = record_table_view(self.tasks_model, stretch=0)
        self.tasks.setObjectName("visitTasks")
        self.tasks.setMaximumHeight(110)
        self.task_text = QLineEdit()
        self.task_text.setObjectName("taskText")
        self.task_text.setPlaceholderText(self.tr("跟跑事项，如 协助预约银行开户"))
        self.task_due = QDateEdit()
        self.task_due.setObjectName("taskDue")
        self.task_due.setCalendarPopup(True)
        self.task_due.setDisplayFormat("yyyy-MM-dd")
        task_form = QFormLayout()
        self.errors.add_row(task_form, self.tr("跟跑事项"), "task_text", self.task_text)
        self.errors.add_row(task_form, self.tr("完成期限"), "task_due", self.task_due)
        add_task = QPushButton(self.tr("添加跟跑 (Ctrl+T)"))
        add_task.clicked.connect(self.add_task)
        finish_task = QPushButton(self.tr("所选跟跑已完成 (Ctrl+E)"))
        finish_task.clicked.connect(self.finish_task)

        visit_tab = QWidget()
        vl = QVBoxLayout(visit_tab)
        vl.addLayout(form)
        vl.addWidget(self.save_button)
        vl.addWidget(QLabel(self.tr("跟跑事项")))
        vl.addWidget(self.tasks)
        vl.addLayout(task_form)
        task_buttons = QHBoxLayout()
        task_buttons.addWidget(add_task)
        task_buttons.addWidget(finish_task)
        vl.addLayout(task_buttons)

        # --- 预审
        self.target = QLineEdit()
        self.target.setObjectName("prereviewTarget")
        self.target.setPlaceholderText(
            self.tr("事项或一件事：名称、编码或拼音首字母（qykb），回车载入材料清单")
        )
        self.target.returnPressed.connect(self.load_checklist)
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.checklist = ChecklistEditor()
        self.errors.labels["target"] = self.checklist.error
        self.errors.widgets["target"] = self.target
        self.errors.labels["checklist"] = self.checklist.error
        self.errors.widgets["checklist"] = self.checklist.table
        review_button = QPushButton(self.tr("保存预审并打印一次性告知清单 (Ctrl+P)"))
        review_button.setObjectName("savePrereview")
        review_button.clicked.connect(self.save_prereview)
        review_tab = QWidget()
        rl = QVBoxLayout(review_tab)
        rl.addWidget(self.target)
        rl.addWidget(self.target_label)
        rl.addWidget(self.checklist, 1)
        rl.addWidget(review_button)

        # --- 代办委托 and the draft
        self.agent_name = QLineEdit()
        self.agent_name.setObjectName("agentName")
        self.agent_id = QLineEdit()
        self.agent_id.setObjectName("agentId")
        self.scope = QLineEdit()
        self.scope.setObjectName("agentScope")
        self.scope.setPlaceholderText(self.tr("委托办理的事项编码，如 YJS-QYKB"))
        self.valid_until = QDateEdit()
        self.valid_until.setObjectName("agentUntil")
        self.valid_until.setCalendarPopup(True)
        self.valid_until.setDisplayFormat("yyyy-MM-dd")
        auth_form = QFormLayout()
        self.errors.add_row(auth_form, self.tr("代办人姓名"), "agent_name", self.agent_name)
        self.errors.add_row(auth_form, self.tr("代办人身份证号"), "agent_id", self.agent_id)
        self.errors.add_row(auth_form, self.tr("委托事项"), "scope", self.scope)
        self.errors.add_row(auth_form, self.tr("委托有效期至"), "valid_until", self.valid_until)
        auth_button = QPushButton(self.tr("登记代办委托 (Ctrl+W)"))
        auth_button.clicked.connect(self.authorise)
        self.authorisation = QComboBox()
        self.authorisation.setObjectName("draftAuthorisation")
        self.legal_rep = QLineEdit()
        self.legal_rep.setObjectName("draftLegalRep")
        self.phone = QLineEdit()
        self.phone.setObjectName("draftPhone")
        draft_form = QFormLayout()
        draft_form.addRow(self.tr("代办委托"), self.authorisation)
        self.errors.add_row(draft_form, self.tr("法定代表人"), "legal_rep", self.legal_rep)
        self.errors.add_row(draft_form, self.tr("手机号码"), "phone", self.phone)
        draft_button = QPushButton(self.tr("生成办件草稿 (Ctrl+D)"))
        draft_button.setObjectName("makeDraft")
        draft_button.clicked.connect(self.make_draft)
        draft_tab = QWidget()
        dl = QVBoxLayout(draft_tab)
        dl.addWidget(QLabel(self.tr("代办委托（代办人为企业办理哪些事项、到何时）")))
        dl.addLayout(auth_form)
        dl.addWidget(auth_button)
        dl.addWidget(QLabel(self.tr("办件草稿（同步后出现在大厅受理页，窗口直接受理）")))
        dl.addLayout(draft_form)
        dl.addWidget(draft_button)
        dl.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("visitTabs")
        self.tabs.addTab(visit_tab, self.tr("走访记录"))
        self.tabs.addTab(review_tab, self.tr("材料预审"))
        self.tabs.addTab(draft_tab, self.tr("委托与草稿"))
        self.outcome = QLabel()
        self.outcome.setObjectName("visitOutcome")
        self.outcome.setStyleSheet("color: #0b6e4f; font-weight: bold;")
        self.outcome.setWordWrap(True)

        left = QWidget()
        ll = QVBoxLayout(left)
        new_button = QPushButton(self.tr("新走访 (Ctrl+N)"))
        new_button.clicked.connect(self.new_visit)
        ll.addWidget(new_button)
        ll.addWidget(self.mine_only)
        ll.addWidget(self.list, 1)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.tabs, 1)
        rlay.addWidget(self.errors.general)
        rlay.addWidget(self.outcome)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        for key, slot in (
            ("Ctrl+N", self.new_visit),
            ("Ctrl+S", self.save_visit),
            ("Ctrl+T", self.add_task),
            ("Ctrl+E", self.finish_task),
            ("Ctrl+P", self.save_prereview),
            ("Ctrl+W", self.authorise),
            ("Ctrl+D", self.make_draft),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(slot)
        self.refresh()
        self.new_visit()

    def focus_first(self) -> None:
        """Where the cursor is when the specialist lands here: the visit's first field."""
        self.tabs.setCurrentIndex(0)
        self.fields["uscc"].setFocus()

    def show_error(self, exc: CounterError) -> None:
        """The message under its field, with that field's tab brought to the front."""
        self.errors.show(exc)
        field = exc.field if isinstance(exc, ValidationError) else None
        widget = self.errors.widgets.get(field or "")
        for n in range(self.tabs.count()):
            tab = self.tabs.widget(n)
            if widget is not None and tab is not None and tab.isAncestorOf(widget):
                self.tabs.setCurrentIndex(n)
                widget.setFocus()

    # --- the visit ---------------------------------------------------------------------

    def refresh(self) -> None:
        mine = self.session.staff.id if self.mine_only.isChecked() else None
        self.list_model.set_records(self.service.visits(mine))

    def new_visit(self) -> None:
        self.visit = None
        self.review = None
        today = self.clock().date()
        for edit in self.fields.values():
            edit.clear()
        self.notes.clear()
        self.visited_on.setDate(_qdate(today))
        task_due, valid_until = self.service.default_dates(today)
        self.task_due.setDate(_qdate(task_due))
        self.valid_until.setDate(_qdate(valid_until))
        self.tasks_model.set_records([])
        self.authorisation.clear()
        self.errors.clear()
        self.tabs.setCurrentIndex(0)
        self.fields["uscc"].setFocus()

    def on_visit_chosen(self, *_args: object) -> None:
        index = self.list.currentIndex()
        if not index.isValid():
            return
        self.show_visit(self.list_model.record(index.row()))

    def show_visit(self, visit: Visit) -> None:
        self.visit = visit
        for name, value in (
            ("uscc", visit.uscc),
            ("enterprise_name", visit.enterprise_name),
            ("address", visit.address),
            ("contact", visit.contact),
            ("contact_phone", visit.contact_phone),
            ("place", visit.place),
            ("purpose", visit.purpose),
            ("items", ",".join(visit.items)),
        ):
            self.fields[name].setText(value)
        self.notes.setPlainText(visit.notes)
        self.visited_on.setDate(_qdate(visit.visited_on))
        self.tasks_model.set_records(self.service.tasks(visit.id))
        if not self.phone.text():
            self.phone.setText(visit.contact_phone)
        if not self.target.text() and visit.items:
            self.target.setText(visit.items[0])
        if not self.scope.text() and visit.items:
            self.scope.setText(",".join(visit.items))
        self.show_authorisations()

    def show_authorisations(self) -> None:
        self.authorisation.clear()
        self.authorisation.addItem(self.tr("无（企业本人办理）"), "")
        if self.visit is None:
            return
        auth: Authorisation
        for auth in self.service.authorisations(self.visit.uscc):
            self.authorisation.addItem(
                f"{auth.agent_name}：{'、'.join(auth.scope)}，至 {auth.valid_until.isoformat()}",
                auth.id,
            )
        self.authorisation.setCurrentIndex(self.authorisation.count() - 1)

    def form(self) -> VisitForm:
        return VisitForm(
            uscc=self.fields["uscc"].text(),
            enterprise_name=self.fields["enterprise_name"].text(),
            address=self.fields["address"].text(),
            contact=self.fields["contact"].text(),
            contact_phone=self.fields["contact_phone"].text(),
            visited_on=_day(self.visited_on.date()),
            place=self.fields["place"].text(),
            purpose=self.fields["purpose"].text(),
            items=_split(self.fields["items"].text()),
            notes=self.notes.toPlainText(),
        )

    def save_visit(self) -> None:
        try:
            visit = self.service.save_visit(
                self.session, self.form(), self.clock(), self.visit.id if self.visit else None
            )
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.refresh()
        self.show_visit(visit)
        warn = f"（提示：{visit.uscc_warnings[0]}）" if visit.uscc_warnings else ""
        self.outcome.setText(
            self.tr("走访已保存：{} {}").format(visit.enterprise_name, visit.visited_on) + warn
        )

    def _need_visit(self) -> Visit | None:
        if self.visit is None:
            self.show_error(ValidationError("uscc", "请先保存走访记录"))
            self.tabs.setCurrentIndex(0)
        return self.visit

    def add_task(self) -> None:
        visit = self._need_visit()
        if visit is None:
            return
        try:
            self.service.add_task(
                self.session, visit.id, self.task_text.text(), _day(self.task_due.date()),
                self.clock(),
            )  # fmt: skip
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.task_text.clear()
        self.tasks_model.set_records(self.service.tasks(visit.id))
        self.outcome.setText(self.tr("跟跑事项已添加"))

    def finish_task(self) -> None:
        index = self.tasks.currentIndex()
        if self.visit is None or not index.isValid():
            self.show_error(ValidationError("task_text", "请先在跟跑事项表中选中一项"))
            return
        task = self.tasks_model.record(index.row())
        try:
            self.service.finish_task(self.session, task.id, self.clock())
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.tasks_model.set_records(self.service.tasks(self.visit.id))
        self.outcome.setText(self.tr("跟跑事项已完成：{}").format(task.text))

    # --- 预审 ---------------------------------------------------------------------------

    def load_checklist(self) -> None:
        try:
            target = self.service.find_target(self.target.text())
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.target_code = target.code
        checklist = self.service.catalog.checklist(target)
        self.checklist.set_checklist(checklist)
        self.target_label.setText(f"<b>{target.name}</b>　{checklist.reduction_text()}")
        self.checklist.table.setFocus()

    def save_prereview(self) -> None:
        visit = self._need_visit()
        if visit is None:
            return
        if not self.target_code:
            self.show_error(ValidationError("target", "请先输入事项编码并回车载入材料清单"))
            self.tabs.setCurrentIndex(1)
            return
        try:
            review = self.service.prereview(
                self.session, visit.id, self.target_code, self.checklist.states(), self.clock()
            )
            sheet = self.service.prepare_list(review.id, self.clock())
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.review = review
        message = self.tr("预审已保存：尚需准备 {} 项").format(len(sheet.to_prepare))
        if self.print_document is not None:
            from counter.printing.prepare_list import prepare_list_pdf  # reportlab: when printing

            payload = PrintPayload(f"预审材料清单 {sheet.enterprise_name}", prepare_list_pdf(sheet))
            message += "；" + self.print_document(
                self.session, DocumentKind.NOTICE, payload, review.id
            )
        self.outcome.setText(message)

    # --- 代办委托 and the draft ---------------------------------------------------------

    def authorise(self) -> None:
        visit = self._need_visit()
        if visit is None:
            return
        form = AuthorisationForm(
            self.agent_name.text(),
            self.agent_id.text(),
            _split(self.scope.text()),
            _day(self.valid_until.date()),
        )
        try:
            auth = self.service.authorise(self.session, visit.id, form, self.clock())
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.show_authorisations()
        self.outcome.setText(self.tr("代办委托已登记：{}").format(auth.agent_name))

    def make_draft(self) -> None:
        visit = self._need_visit()
        if visit is None:
            return
        if self.review is None:
            self.show_error(ValidationError("target", "请先保存材料预审（Ctrl+P）"))
            self.tabs.setCurrentIndex(1)
            return
        applicant = DraftApplicant(
            uscc=visit.uscc,
            name=visit.enterprise_name,
            legal_rep=self.legal_rep.text(),
            phone=self.phone.text(),
            contact=visit.contact,
        )
        try:
            draft = self.service.make_draft(
                self.session,
                self.review.id,
                applicant,
                self.clock(),
                str(self.authorisation.currentData() or ""),
            )
        except CounterError as exc:
            self.show_error(exc)
            return
        self.errors.clear()
        self.outcome.setText(
            self.tr("办件草稿已生成：{} {}，同步后大厅窗口即可受理").format(
                draft.enterprise_name, draft.target_name
            )
        )
