"""The cases page: find a case (typed or scanned number, USCC, ID, name, phone), see its
checklist, events and deadlines, and move it on with the actions its state allows.

A barcode scanner types the case number and Enter: an exact number opens the case at
once. Identifiers are masked unless the clerk asks (Ctrl+U), and that view is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.cases import Action, CaseEvent, CaseState, looks_like_case_number
from counter.model.deadlines import Light
from counter.model.errors import CounterError
from counter.model.identity import mask_id
from counter.model.intake import CaseMaterial, MaterialStatus
from counter.model.notice import Notice
from counter.model.print_job import PrintJob
from counter.model.settings import Settings
from counter.services.cases_service import CaseDetail, CaseFilter, CaseRow, CasesService
from counter.services.session import Session
from counter.ui import safety_net
from counter.ui.case_action_dialog import CaseActionDialog
from counter.ui.forms import ERROR_STYLE
from counter.ui.notice_preview import NoticePreview
from counter.ui.record_model import RecordTableModel, record_table_view

_LIGHT_STYLE = {
    Light.GREEN: "color: #0b6e4f;",
    Light.YELLOW: "color: #8a5300;",
    Light.RED: "color: #b00020; font-weight: bold;",
}


def _light(row: CaseRow) -> str:
    return f"● {row.light.value}" if row.light else ""


#: The column of the case rows that takes the room left: the item's name.
TITLE_COLUMN = 4


def case_rows_model() -> RecordTableModel[CaseRow]:
    """Where a case stands first (state, light, deadline), in view on a 1366-wide
    screen beside the case's detail; who and what after it."""
    return RecordTableModel(
        [
            ("办件编号", lambda r: r.case.number),
            ("状态", lambda r: r.case.state.value),
            ("灯", _light),
            ("期限", lambda r: r.due),
            ("事项", lambda r: r.case.title),
            ("申请人", lambda r: r.case.applicant_name),
            ("证件号", lambda r: r.id_shown),
            ("提示", lambda r: r.flags),
            ("受理人", lambda r: r.case.clerk_name),
        ]
    )


def _material_status(m: CaseMaterial) -> str:
    if m.status is MaterialStatus.PROMISED and m.promised_due:
        return f"容缺承诺 {m.promised_due.isoformat()} 前"
    if m.status is MaterialStatus.EXEMPT:
        return f"免提交（{m.shared_source}）"
    return m.status.value


class CasesPage(QWidget):
    title = "办件"

    def __init__(
        self,
        cases: CasesService,
        session: Session,
        settings: Settings,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        print_notice: Callable[[Session, Notice], str] | None = None,
        print_jobs: Callable[[str], list[PrintJob]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.cases = cases
        self.session = session
        self.settings = settings
        self.clock = clock
        self.print_notice = print_notice
        self.print_jobs = print_jobs
        self.detail: CaseDetail | None = None
        self._keeping = False  # re-selecting the open case's row: it stays open

        self.search = QLineEdit()
        self.search.setObjectName("casesSearch")
        self.search.setPlaceholderText(
            self.tr("办件编号（可扫码）、统一社会信用代码、身份证号、名称或手机号，回车查找")
        )
        self.search.returnPressed.connect(self.on_search)
        self.state_filter = QComboBox()
        self.state_filter.setObjectName("stateFilter")
        self.state_filter.addItem(self.tr("全部状态"), None)
        for state in CaseState:
            self.state_filter.addItem(state.value, state)
        self.department_filter = QComboBox()
        self.department_filter.setObjectName("departmentFilter")
        self.clerk_filter = QComboBox()
        self.clerk_filter.setObjectName("clerkFilter")
        self.light_filter = QComboBox()
        self.light_filter.setObjectName("lightFilter")
        self.light_filter.addItem(self.tr("全部灯色"), None)
        for light in Light:
            self.light_filter.addItem(f"{light.value}灯", light)
        for combo in (self.state_filter, self.department_filter, self.clerk_filter,
                      self.light_filter):  # fmt: skip
            combo.activated.connect(lambda _=0: self.on_search())
        self.department_filter.setMaximumWidth(180)
        self.count = QLabel()

        self.results_model = case_rows_model()
        self.results = record_table_view(self.results_model, stretch=TITLE_COLUMN)
        self.results.setObjectName("caseResults")
        self.results.selectionModel().selectionChanged.connect(self.on_selection_changed)

        self.heading = QLabel()
        self.heading.setObjectName("caseHeading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.info = QLabel()
        self.info.setObjectName("caseInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.deadline_info = QLabel()
        self.deadline_info.setObjectName("caseDeadlines")
        self.deadline_info.setWordWrap(True)
        self.unmask_button = QPushButton(self.tr("显示完整证件号 (Ctrl+U)"))
        self.unmask_button.setObjectName("unmask")
        self.unmask_button.clicked.connect(self.on_unmask)
        self.message = QLabel()
        self.message.setObjectName("caseMessage")
        self.message.setWordWrap(True)

        self.subs_model: RecordTableModel[CaseRow] = RecordTableModel(
            [
                ("子件编号", lambda r: r.case.number),
                ("事项", lambda r: r.case.title),
                ("部门", lambda r: cases.intake.catalog.department_name(r.case.department)),
                ("状态", lambda r: r.case.state.value),
                ("灯", _light),
                ("期限", lambda r: r.due),
            ]
        )
        self.subs = record_table_view(self.subs_model, stretch=1)
        self.subs.doubleClicked.connect(
            lambda index: self.open_case(self.subs_model.record(index.row()).case.id)
        )
        self.subs.setObjectName("subCases")
        self.materials_model: RecordTableModel[CaseMaterial] = RecordTableModel(
            [
                ("材料", lambda m: m.name),
                ("要求", lambda m: f"{m.form.value} {m.copies_required} 份"),
                ("状态", _material_status),
                ("已收份数", lambda m: str(m.copies) if m.status.received else ""),
            ]
        )
        self.materials = record_table_view(self.materials_model, stretch=0)
        self.materials.setObjectName("caseMaterials")
        self.events_model: RecordTableModel[CaseEvent] = RecordTableModel(
            [
                ("时间", lambda e: f"{e.at:%Y-%m-%d %H:%M}"),
                ("操作", lambda e: e.action.value),
                ("状态", lambda e: e.to_state.value),
                ("经办人", lambda e: f"{e.staff_name}（{e.window} 号窗口）"),
                ("原因/说明", self._event_note),
            ]
        )
        self.events = record_table_view(self.events_model, stretch=4)
        self.events.setObjectName("caseEvents")
        self.prints_model: RecordTableModel[PrintJob] = RecordTableModel(
            [
                ("时间", lambda j: f"{j.created_at:%Y-%m-%d %H:%M}"),
                ("文书", lambda j: j.title),
                ("打印机", lambda j: j.target),
                ("状态", lambda j: j.status.label),
                ("经办人", lambda j: j.staff_name),
                ("问题", lambda j: j.last_error),
            ]
        )
        self.prints = record_table_view(self.prints_model, stretch=5)
        self.prints.setObjectName("casePrints")
        self.preview = NoticePreview()
        self.preview.setObjectName("casesNoticePreview")
        self.preview.setReadOnly(True)
        tabs = QTabWidget()
        tabs.addTab(self.subs, self.tr("子件"))
        tabs.addTab(self.materials, self.tr("材料"))
        tabs.addTab(self.events, self.tr("办理记录"))
        tabs.addTab(self.prints, self.tr("打印记录"))
        tabs.addTab(self.preview, self.tr("通知书"))
        self.tabs = tabs

        self.action_bar = QGridLayout()
        self.action_buttons: dict[Action, QPushButton] = {}
        for action in (a for a in Action if a not in (Action.CREATE, Action.CORRECTED)):
            button = QPushButton(action.value)
            button.setObjectName(f"action_{action.name}")
            button.clicked.connect(lambda _=False, a=action: self.run_action(a))
            button.hide()
            self.action_buttons[action] = button

        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("查找(F3)：")))
        filters.addWidget(self.search, 1)
        filters.addWidget(self.state_filter)
        filters.addWidget(self.department_filter)
        filters.addWidget(self.clerk_filter)
        filters.addWidget(self.light_filter)
        filters.addWidget(self.count)

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(8, 0, 0, 0)
        dl.addWidget(self.heading)
        row = QHBoxLayout()
        row.addWidget(self.info, 1)
        row.addWidget(self.unmask_button)
        dl.addLayout(row)
        dl.addWidget(self.deadline_info)
        dl.addLayout(self.action_bar)
        dl.addWidget(self.message)
        dl.addWidget(tabs, 1)

        split = QSplitter()
        split.addWidget(self.results)
        split.addWidget(detail)
        split.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        self.figures = QLabel()
        self.figures.setObjectName("materialFigures")
        self.figures.setStyleSheet("color: #0b6e4f;")
        layout.addWidget(self.figures)

        for key, slot in (("F3", self.focus_search), ("Ctrl+U", self.on_unmask)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(slot)
        self.refresh_filters()
        self.on_search()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh_filters(self) -> None:
        self.department_filter.clear()
        self.department_filter.addItem(self.tr("全部部门"), None)
        catalog = self.cases.intake.catalog
        for department in catalog.catalog.departments:
            self.department_filter.addItem(department.name, department.code)
        self.clerk_filter.clear()
        self.clerk_filter.addItem(self.tr("全部受理人"), None)
        for clerk_id, name in self.cases.clerks():
            self.clerk_filter.addItem(name, clerk_id)

    def showEvent(self, event: QShowEvent) -> None:
        """Cases taken in on the intake page, and what other windows did to the cases
        listed, appear when the clerk comes here; the case she had open stays open."""
        super().showEvent(event)
        self.cases.refresh_if_calendar_changed(self.clock())
        self.figures.setText(self.tr("材料统计：") + self.cases.figures().text())
        self.refresh_list()

    # --- finding --------------------------------------------------------------------------

    def _find(self) -> list[CaseRow] | None:
        """The rows the search box and the filters ask for; None when the search failed
        (said on the page)."""
        text = self.search.text().strip()
        now = self.clock()
        if looks_like_case_number(text):
            case = self.cases.by_number(text)
            if case is not None:
                return [self.cases.row(case, now)]
        # Qt hands enum data back as plain text.
        state, light = self.state_filter.currentData(), self.light_filter.currentData()
        flt = CaseFilter(
            state=CaseState(state) if state else None,
            department=self.department_filter.currentData(),
            clerk_id=self.clerk_filter.currentData(),
        )
        try:
            return self.cases.find(text, flt, now, Light(light) if light else None)
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))
            return None

    def _show_rows(self, rows: list[CaseRow]) -> None:
        self.results_model.set_records(rows)
        self.count.setText(self.tr("共 {} 件").format(len(rows)))

    def on_search(self) -> None:
        rows = self._find()
        if rows is None:
            return
        self._show_rows(rows)
        if rows:
            self.results.selectRow(0)
        else:
            self.show_detail(None)

    def refresh_list(self) -> None:
        """Read the list again (after an action here, when the page is shown), the case
        in view kept open and its row (or its bundle's) selected."""
        if self.detail is None:
            self.on_search()
            return
        case = self.detail.row.case
        rows = self._find()
        if rows is None:
            return
        self._show_rows(rows)
        keys = (case.id, case.parent_id)
        match = next((n for n, r in enumerate(rows) if r.case.id in keys), None)
        if match is not None:
            self._keeping = True
            try:
                self.results.selectRow(match)
            finally:
                self._keeping = False
        self.open_case(case.id)

    def on_selection_changed(self, _s: QItemSelection, _d: QItemSelection) -> None:
        rows = self.results.selectionModel().selectedRows()
        if rows and not self._keeping:
            self.open_case(self.results_model.record(rows[0].row()).case.id)

    # --- detail ---------------------------------------------------------------------------

    def open_case(self, case_id: str) -> None:
        try:
            self.show_detail(self.cases.detail(case_id, self.clock()))
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))

    def show_detail(self, detail: CaseDetail | None) -> None:
        self.detail = detail
        self.message.clear()
        for button in self.action_buttons.values():
            button.hide()
        if detail is None:
            self.heading.setText(self.tr("没有找到办件"))
            self.info.clear()
            self.deadline_info.clear()
            for model in (self.subs_model, self.materials_model, self.events_model):
                model.set_records([])
            self.prints_model.set_records([])
            return
        row = detail.row
        case = row.case
        self.heading.setText(f"{case.number}  {case.title}  【{case.state.value}】")
        agent = f"；代办人 {case.agent_name}" if case.agent_name else ""
        self.info.setText(
            f"申请人：{case.applicant_name}（{row.id_shown}），电话 {row.phone_shown}{agent}\n"
            f"受理人：{case.clerk_name}（{case.window} 号窗口），"
            f"登记 {case.created_at:%Y-%m-%d %H:%M}"
            + (f"；关联号票 {case.ticket_id}" if case.ticket_id else "")
        )
        self.deadline_info.setText(self._deadline_text(detail))
        self.deadline_info.setStyleSheet(_LIGHT_STYLE.get(row.light, "") if row.light else "")
        self.subs_model.set_records(detail.sub_cases)
        self.materials_model.set_records(detail.materials)
        self.events_model.set_records(detail.events)
        self.prints_model.set_records(self.print_jobs(case.number) if self.print_jobs else [])
        shown = [self.action_buttons[a] for a in detail.actions if a in self.action_buttons]
        for button in self.action_buttons.values():
            self.action_bar.removeWidget(button)
        for n, button in enumerate(shown):
            self.action_bar.addWidget(button, n // 5, n % 5)
            button.show()

    def _event_note(self, event: CaseEvent) -> str:
        """The event's reason; for a 出件 at the window, who collected it."""
        name, id_number = event.recipient
        if event.reason or not name:
            return event.reason
        return f"领取人 {name}（{mask_id(id_number) if self.settings['mask_id'] else id_number}）"

    def _deadline_text(self, detail: CaseDetail) -> str:
        case = detail.row.case
        parts = []
        d = detail.deadlines
        if d is not None:
            parts.append(f"承诺办结 {d.promised.label()}；法定期限 {d.legal.label()}")
            if d.paused_days or case.paused_at:
                parts.append(f"暂停计时已扣除 {d.paused_days} 个工作日")
            if d.extended:
                parts.append(f"已延长 {case.extension_days} 个工作日")
        if detail.row.light:
            parts.append(f"{detail.row.light.value}灯")
        if detail.row.flags:
            parts.append(detail.row.flags)
        if detail.overdue_promises:
            parts.append("容缺承诺逾期：" + "、".join(detail.overdue_promises))
        if case.delivery_method:
            post = f"（{case.delivery_address}，运单 {case.waybill}）" if case.waybill else ""
            taker = f"，领取人 {detail.handed_to}" if detail.handed_to else ""
            parts.append(f"出件：{case.delivery_method}{post}{taker}")
        if case.reason:
            parts.append(f"原因：{case.reason}")
        return "；".join(parts)

    def on_unmask(self) -> None:
        if self.detail is None:
            return
        case = self.detail.row.case
        try:
            full = self.cases.unmask(self.session, case.id, self.clock())
        except CounterError as exc:
            self.message.setText(safety_net.page_message(exc))
            return
        agent = f"；代办人 {full.agent_id_number}" if full.agent_id_number else ""
        self.message.setStyleSheet("color: #8a5300;")
        self.message.setText(
            self.tr("完整信息（本次查看已记录）：证件号 {}，电话 {}{}").format(
                full.id_number, full.phone, agent
            )
        )

    # --- acting ---------------------------------------------------------------------------

    def run_action(self, action: Action) -> None:
        if self.detail is None:
            return
        case = self.detail.row.case
        now = self.clock()
        notice = None
        try:
            if action is Action.REPRINT:
                notice = self.cases.notice(self.session, case.id, now)
            elif action is Action.PROMISE_MET:
                promised = [m for m in self.detail.materials if m.status is MaterialStatus.PROMISED]
                if not promised:
                    return
                self.cases.promise_met(self.session, case.id, promised[0].material_id, now)
            else:
                done, notice = self._with_dialog(action)
                if not done:
                    return
        except CounterError as exc:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(safety_net.page_message(exc))
            return
        self.refresh_list()  # the row shows its new state, light and deadline; case open
        self.message.setStyleSheet("color: #0b6e4f;")
        self.message.setText(self.tr("已{}").format(action.value))
        if notice:
            self.preview.show_notice(
                notice,
                hide_id=self.settings["mask_id"],
                hide_phone=self.settings["mask_phone"],
            )
            self.tabs.setCurrentWidget(self.preview)
            if self.print_notice is not None:
                printed = self.print_notice(self.session, notice)
                self.message.setText(f"{self.message.text()}；{printed}")

    def _with_dialog(self, action: Action) -> tuple[bool, Notice | None]:
        """Ask for what the action needs; keep the dialog open until the service accepts."""
        assert self.detail is not None
        case = self.detail.row.case
        dialog = CaseActionDialog(
            action, f"{case.number} {case.title}", self, self.detail.materials
        )
        code = case.bundle_code or case.item_code or ""
        dialog.checklist.latest_promise = lambda: self.cases.intake.latest_promise(
            code, self.clock()
        )
        needs_input = bool(dialog.errors.labels) or action is Action.SUPPLEMENT_ARRIVED
        while True:
            if needs_input and not dialog.exec():
                return False, None
            try:
                if action is Action.SUPPLEMENT_ARRIVED:
                    return True, self.cases.supplement_arrived(
                        self.session, case.id, dialog.checklist.states(), self.clock()
                    )
                return True, self.cases.act(
                    self.session,
                    case.id,
                    action,
                    self.clock(),
                    reason=dialog.reason.text(),
                    delivery=dialog.delivery_method() if action is Action.DELIVER else None,
                    address=dialog.address.text(),
                    waybill=dialog.waybill.text(),
                    recipient_name=dialog.recipient_name.text(),
                    recipient_id=dialog.recipient_id.text(),
                )
            except CounterError as exc:
                if not needs_input:
                    raise
                dialog.show_error(exc)
