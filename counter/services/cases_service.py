"""Tracking cases after intake: find them, see them, move them on, hand them over.

Each action is one transaction with its events and outbox ops. An action on a
bundle's parent is applied to every sub-case that allows it, so the clerk hands over a
whole 企业开办 pack with one key; a sub-case can also be moved on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlite_utils import Database

from counter.log import audit
from counter.model.audit import AuditAction
from counter.model.cases import (
    Action,
    Case,
    CaseEvent,
    CaseState,
    Delivery,
    allowed_actions,
    check_delivery,
    check_reason,
    check_recipient,
    next_state,
)
from counter.model.catalog import Checklist
from counter.model.clock import iso
from counter.model.deadlines import (
    EXTENSION_DAYS,
    CaseDeadlines,
    Light,
    Pause,
    case_deadlines,
    case_light,
    check_extension,
    check_notice_in_time,
    decision_start,
    overdue_promises,
    paused_working_days,
)
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.figures import MaterialFigures, figures_of_totals
from counter.model.identity import mask_id, mask_phone
from counter.model.intake import (
    CaseMaterial,
    Decision,
    LineState,
    MaterialStatus,
    check_decision,
    check_promises_kept,
    promise_lapsed_on,
)
from counter.model.notice import Notice, NoticeKind
from counter.model.settings import Settings
from counter.model.staff import Role
from counter.services import audit_trail, roles
from counter.services.calendar_service import CalendarService
from counter.services.intake_service import (
    IntakeService,
    build_notice,
    correction_of,
    event,
    new_id,
)
from counter.services.session import Session
from counter.store import cases_store
from counter.store.cases_store import CaseFilter as CaseFilter  # for the UI, kept from the store
from counter.store.db import immediate

CASE_ROLES = roles.HALL_STAFF


@dataclass(frozen=True)
class CaseRow:
    """A case as a list shows it: masked identifiers, light, due date."""

    case: Case
    light: Light | None
    due: str
    id_shown: str
    phone_shown: str
    flags: str  # 容缺 / 视为受理 / 承诺逾期 / 暂定


@dataclass(frozen=True)
class CaseDetail:
    row: CaseRow
    sub_cases: tuple[CaseRow, ...]
    materials: tuple[CaseMaterial, ...]
    events: tuple[CaseEvent, ...]
    deadlines: CaseDeadlines | None
    overdue_promises: tuple[str, ...]
    actions: tuple[Action, ...]
    handed_to: str = ""  # 出件: who collected, ID masked as the settings say


@dataclass(frozen=True)
class Unmasked:
    id_number: str
    phone: str
    agent_id_number: str


_NOTICE_FOR_STATE = {
    CaseState.SUPPLEMENT: NoticeKind.SUPPLEMENT,
    CaseState.REJECTED: NoticeKind.REJECTED,
    CaseState.ACCEPTED: NoticeKind.ACCEPTED,
    CaseState.PROCESSING: NoticeKind.ACCEPTED,
    CaseState.PAUSED: NoticeKind.PAUSED,
    CaseState.APPROVED: NoticeKind.COMPLETED,
    CaseState.DENIED: NoticeKind.COMPLETED,
    CaseState.DELIVERED: NoticeKind.HANDED_OVER,
    CaseState.TERMINATED: NoticeKind.TERMINATED,
}

#: What the applicant is given in writing after an action on a case in hand.
_NOTICE_AFTER = {
    Action.SUPPLEMENT: NoticeKind.SUPPLEMENT,
    Action.REJECT: NoticeKind.REJECTED,
    Action.APPROVE: NoticeKind.COMPLETED,
    Action.DENY: NoticeKind.COMPLETED,
    Action.DELIVER: NoticeKind.HANDED_OVER,
    Action.PAUSE: NoticeKind.PAUSED,  # Art. 45: the time the clock stands does not count
    Action.EXTEND: NoticeKind.EXTENDED,  # Art. 42: the reason told to the applicant
    Action.TERMINATE: NoticeKind.TERMINATED,  # e.g. a 容缺 promise not kept
}


class CasesService:
    def __init__(
        self,
        db: Database,
        intake: IntakeService,
        calendar: CalendarService,
        settings: Settings,
    ) -> None:
        self.db = db
        self.intake = intake
        self.calendar = calendar
        self.settings = settings
        self._calendar_seen = calendar.calendar

    # --- reading ------------------------------------------------------------------------

    def find(
        self, query: str, flt: CaseFilter, now: datetime, light: Light | None = None
    ) -> list[CaseRow]:
        rows = [self.row(c, now) for c in cases_store.search(self.db, query, flt)]
        return [r for r in rows if light is None or r.light is light]

    def by_number(self, number: str) -> Case | None:
        """A scanned Code128 types the number; a sub-case number finds that sub-case."""
        return cases_store.get_by_number(self.db, number)

    def get(self, case_id: str) -> Case:
        case = cases_store.get_case(self.db, case_id)
        if case is None:
            raise NotFoundError(f"没有找到办件 {case_id}")
        return case

    def deadlines(self, case: Case, now: datetime) -> CaseDeadlines | None:
        """The case's limits as of ``now``; a 预审 or 待补正 case deemed accepted (Art. 32)
        already has them, counted from receipt, so its light shows before anyone
        records the acceptance."""
        start = case.accepted_at
        if start is None and case.state in (CaseState.DRAFT, CaseState.SUPPLEMENT):
            begin, deemed = decision_start(
                case.received_at,
                case.notice_at,
                case.deemed_accepted,
                now,
                self.calendar.calendar,
                self.calendar.hours,
            )
            start = begin if deemed else None
        if start is None:
            return None
        return case_deadlines(
            start,
            promised_days=case.promised_days,
            legal_days=case.legal_days,
            extension_days=case.extension_days,
            paused_days=case.paused_days,
            paused_since=case.paused_at,
            now=now,
            calendar=self.calendar.calendar,
            hours=self.calendar.hours,
        )

    def row(self, case: Case, now: datetime) -> CaseRow:
        deadlines = self.deadlines(case, now)
        light = None
        due = ""
        flags = []
        if case.rongque:
            flags.append("容缺")
        if case.deemed_accepted or (
            case.accepted_at is None and case.state is CaseState.DRAFT and deadlines is not None
        ):
            flags.append("视为受理")
        if deadlines is not None:
            due = deadlines.target.label()
            if deadlines.provisional:
                flags.append("暂定")
            if not case.state.closed:
                light = case_light(
                    case.accepted_at or case.received_at,
                    deadlines.target.due,
                    now,
                    self.calendar.calendar,
                    self.calendar.hours,
                    self.settings["light_yellow_share"],
                )
        if case.rongque:
            lapsed = case.promise_lapsed_on is not None or self._lapse(case, now) is not None
            if lapsed:
                # Kept after closing: a missed promise is seen on the list for good.
                flags.append("承诺逾期")
                if not case.state.closed:
                    light = Light.RED
        return CaseRow(
            case=case,
            light=light,
            due=due,
            id_shown=mask_id(case.applicant_id_number)
            if self.settings["mask_id"]
            else case.applicant_id_number,
            phone_shown=mask_phone(case.applicant_phone)
            if self.settings["mask_phone"]
            else case.applicant_phone,
            flags="、".join(flags),
        )

    def detail(self, case_id: str, now: datetime) -> CaseDetail:
        case = self.get(case_id)
        top = case.parent_id or case.id
        materials = tuple(cases_store.materials(self.db, top))
        promises = [
            (m.name, m.promised_due)
            for m in materials
            if m.status is MaterialStatus.PROMISED and m.promised_due is not None
        ]
        events = tuple(cases_store.events(self.db, case.id))
        name, id_number = self._handed_to(case.id)
        shown = mask_id(id_number) if self.settings["mask_id"] else id_number
        return CaseDetail(
            row=self.row(case, now),
            sub_cases=tuple(self.row(c, now) for c in cases_store.children(self.db, case.id)),
            materials=materials,
            events=events,
            deadlines=self.deadlines(case, now),
            overdue_promises=overdue_promises(promises, now.date()),
            actions=tuple(
                a
                for a in allowed_actions(case.state)
                if a is not Action.CORRECTED and (a is not Action.PROMISE_MET or promises)
            ),
            handed_to=f"{name}（身份证号 {shown}）" if name else "",
        )

    def departments(self) -> list[str]:
        return cases_store.departments_in_use(self.db)

    def clerks(self) -> list[tuple[str, str]]:
        return cases_store.clerks_in_use(self.db)

    def figures(self) -> MaterialFigures:
        """Shown on every opening of 办件: from sums the store keeps, not a scan."""
        return figures_of_totals(cases_store.material_totals(self.db))

    # --- privacy ------------------------------------------------------------------------

    def unmask(
        self,
        session: Session,
        case_id: str,
        now: datetime,
        *,
        fields: Sequence[str] = ("证件号", "手机号"),
        printed: str = "",
    ) -> Unmasked:
        """The full identifiers, with the view logged (who, when, which record).

        Ctrl+U on the cases page, and every print that shows an identifier in full
        (``printed`` names the notice, ``fields`` what it shows): an unmasked print is
        logged exactly as an unmasked view is (docs/domain.md "Personal information").
        """
        session.require(*CASE_ROLES)
        case = self.get(case_id)
        what = "、".join(fields)
        if printed:
            what = f"打印{printed}：{what}"
        with self.db.atomic():
            cases_store.log_unmask(
                self.db,
                {
                    "id": new_id(now),
                    "at": iso(now),
                    "staff_id": session.staff.id,
                    "staff_name": session.staff.name,
                    "window": session.window,
                    "table_name": "cases",
                    "row_id": case.id,
                    "what": what,
                },
                now,
            )
            detail = {"number": case.number, "what": what}
            target = f"cases:{case.id}"
            audit_trail.record(self.db, session, AuditAction.UNMASK, target, detail, now)
        seen = "print" if printed else "view"
        audit.info("unmasked %s of case %s by %s", seen, case.number, session.staff.name)
        return Unmasked(case.applicant_id_number, case.applicant_phone, case.agent_id_number)

    # --- acting ---------------------------------------------------------------------------

    def act(
        self,
        session: Session,
        case_id: str,
        action: Action,
        now: datetime,
        *,
        reason: str = "",
        delivery: Delivery | None = None,
        address: str = "",
        waybill: str = "",
        recipient_name: str = "",
        recipient_id: str = "",
    ) -> Notice | None:
        """One action on a case (and on every sub-case of a parent that allows it); 出件 at
        the window records who collected (name and ID number) in its event."""
        session.require(*CASE_ROLES)
        if action is Action.EXTEND:
            session.require(Role.SUPERVISOR)
        if action is Action.SUPPLEMENT_ARRIVED:
            raise ValueError("use supplement_arrived(), which takes the new checklist")
        case = self.get(case_id)
        next_state(case.state, action)
        text = check_reason(action, reason)
        if action is Action.EXTEND:
            text = check_extension(case.extension_days, reason)
        fields: dict[str, object] = {}
        handed: dict[str, object] = {}
        if action is Action.DELIVER:
            if delivery is None:
                raise ValidationError("delivery", "请选择出件方式：当场领取或邮寄")
            address, waybill = check_delivery(delivery, address, waybill)
            fields = {
                "delivery_method": delivery.value,
                "delivery_address": address,
                "waybill": waybill,
            }
            if delivery is Delivery.PICKUP:
                who, id_number = check_recipient(recipient_name, recipient_id, now.date())
                handed = {"recipient_name": who, "recipient_id": id_number}
        materials = cases_store.materials(self.db, case.parent_id or case.id)
        extra: dict[str, object] = dict(handed)
        if action in (Action.ACCEPT, Action.SUPPLEMENT):
            decision = Decision.ACCEPT if action is Action.ACCEPT else Decision.SUPPLEMENT
            if action is Action.ACCEPT and any(
                m.status is MaterialStatus.PROMISED for m in materials
            ):
                decision = Decision.RONGQUE
            check_decision(
                decision,
                Checklist(tuple(m.line for m in materials)),
                [m.state for m in materials],
                today=now.date(),
            )
            if decision is Decision.RONGQUE:
                self.intake.credit.check_rongque(case.applicant_id_number)
        if action is Action.APPROVE:
            open_promises = [m.name for m in materials if m.status is MaterialStatus.PROMISED]
            supervisor = session.staff.role in (Role.SUPERVISOR, Role.ADMIN)
            if check_promises_kept(open_promises, supervisor=supervisor, reason=text):
                extra = {"promise_exception": open_promises}
        with immediate(self.db):
            changed = self._move(session, case, action, now, text, fields, extra=extra)
            for child in cases_store.children(self.db, case.id):
                if action in allowed_actions(child.state):
                    self._move(session, child, action, now, text, fields, extra=extra)
            detail = {"number": case.number, "action": action.value, "reason": text}
            audit_trail.record(
                self.db, session, AuditAction.DECISION, f"cases:{case.id}", detail, now
            )
        notice = self._notice_after(changed, action, materials, session, now, reason=text)
        return None if notice is None else self._with_recipient(notice, case.id)

    def supplement_arrived(
        self, session: Session, case_id: str, states: Sequence[LineState], now: datetime
    ) -> Notice:
        """The applicant brought what the one-time notice asked: accept from today (the day
        the last material arrived), with the checklist as it now stands."""
        session.require(*CASE_ROLES)
        case = self.get(case_id)
        if case.parent_id is not None:
            raise NotAllowedError("补正材料按一件事整体登记，请在主件上操作")
        next_state(case.state, Action.SUPPLEMENT_ARRIVED)
        old = cases_store.materials(self.db, case.id)
        checklist = Checklist(tuple(m.line for m in old))
        decision = (
            Decision.RONGQUE
            if any(s.status is MaterialStatus.PROMISED for s in states)
            else Decision.ACCEPT
        )
        check_decision(
            decision,
            checklist,
            states,
            today=now.date(),
            latest_promise=self.intake.latest_promise(
                case.bundle_code or case.item_code or "", now
            ),
        )
        if decision is Decision.RONGQUE:
            self.intake.credit.check_rongque(case.applicant_id_number)
        new = [
            replace(m, status=s.status, copies=s.copies, promised_due=s.promised_due)
            for m, s in zip(old, states, strict=True)
        ]
        with immediate(self.db):
            cases_store.save_materials(self.db, case.id, new, now)
            changed = self._move(session, case, Action.SUPPLEMENT_ARRIVED, now, "", {},
                                 rongque=decision is Decision.RONGQUE)  # fmt: skip
            for child in cases_store.children(self.db, case.id):
                if Action.SUPPLEMENT_ARRIVED in allowed_actions(child.state):
                    self._move(session, child, Action.SUPPLEMENT_ARRIVED, now, "", {},
                               rongque=decision is Decision.RONGQUE)  # fmt: skip
        notice = self._notice_after(changed, Action.SUPPLEMENT_ARRIVED, new, session, now)
        assert notice is not None
        return notice

    def promise_met(self, session: Session, case_id: str, material_id: str, now: datetime) -> None:
        """A 容缺 material arrived: the line becomes received and the promise is kept."""
        session.require(*CASE_ROLES)
        case = self.get(case_id)
        next_state(case.state, Action.PROMISE_MET)
        top = case.parent_id or case.id
        materials = cases_store.materials(self.db, top)
        line = next((m for m in materials if m.material_id == material_id), None)
        if line is None or line.status is not MaterialStatus.PROMISED:
            raise NotAllowedError("该材料不是容缺承诺的材料")
        received = replace(
            line,
            status=MaterialStatus.ORIGINAL,
            copies=line.copies_required,
            promised_due=None,
        )
        fields: dict[str, object] = {}
        assert line.promised_due is not None
        late = promise_lapsed_on(line.promised_due, now.date(), now.date())
        if late is not None and case.promise_lapsed_on is None:
            fields["promise_lapsed_on"] = late
        with immediate(self.db):
            cases_store.save_materials(self.db, top, [received], now)
            self._move(session, case, Action.PROMISE_MET, now, line.name, fields)

    def notice(self, session: Session, case_id: str, now: datetime) -> Notice:
        """Print again: the case's current notice, the reprint recorded as an event."""
        session.require(*CASE_ROLES)
        case = self.get(case_id)
        kind = _NOTICE_FOR_STATE.get(case.state)
        if kind is None:
            raise NotAllowedError(f"办件状态为“{case.state.value}”，没有可补打的通知书")
        if case.state is CaseState.REJECTED and case.decision == Decision.NO_LICENCE.value:
            kind = NoticeKind.NO_LICENCE_NEEDED
        if case.state is CaseState.ACCEPTED and case.rongque:
            kind = NoticeKind.RONGQUE
        if kind is NoticeKind.PAUSED:  # why the clock stopped is in the pause's event
            pause = [e for e in cases_store.events(self.db, case.id) if e.action is Action.PAUSE]
            case = replace(case, reason=pause[-1].reason if pause else "")
        with immediate(self.db):
            self._move(session, case, Action.REPRINT, now, kind.value, {})
        notice = build_notice(
            kind,
            self._as_noticed(case, kind, now),
            cases_store.children(self.db, case.id),
            cases_store.materials(self.db, case.parent_id or case.id),
            self.settings,
            case.clerk_name,
            case.window,
            now,
            correction=correction_of(self.db, case.id) if kind is NoticeKind.ACCEPTED else "",
        )
        return self._with_recipient(notice, case.id)

    def refresh_if_calendar_changed(self, now: datetime) -> int:
        """Called when the cases page shows: a holiday table entered since the last look
        turns provisional deadlines firm (docs/domain.md: recompute once the table is in)."""
        if self.calendar.calendar is self._calendar_seen:
            return 0
        self._calendar_seen = self.calendar.calendar
        return self.recompute_open_deadlines(now)

    def recompute_open_deadlines(self, now: datetime) -> int:
        """After a holiday table is entered, provisional deadlines become firm."""
        count = 0
        with immediate(self.db):
            for case in cases_store.open_cases(self.db):
                deadlines = self.deadlines(case, now)
                assert deadlines is not None
                changed = replace(
                    case,
                    promised_due=deadlines.promised.due,
                    legal_due=deadlines.legal.due,
                    due_provisional=deadlines.provisional,
                )
                if changed != case:
                    cases_store.update_case(self.db, replace(changed, updated_at=now), now)
                    count += 1
        return count

    # --- internals ------------------------------------------------------------------------

    def _lapse(self, case: Case, now: datetime) -> date | None:
        return first_lapse(self.db, case, now)

    def _move(
        self,
        session: Session,
        case: Case,
        action: Action,
        now: datetime,
        reason: str,
        fields: dict[str, object],
        *,
        rongque: bool = False,
        extra: dict[str, object] | None = None,
    ) -> Case:
        state = next_state(case.state, action)
        changed = replace(case, state=state, updated_at=now, **fields)  # type: ignore[arg-type]
        data: dict[str, object] = {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in {**fields, **(extra or {})}.items()
        }
        if action in (Action.ACCEPT, Action.SUPPLEMENT_ARRIVED):
            changed = self.intake.accepted(changed, now, rongque=rongque or case.rongque)
        elif action is Action.SUPPLEMENT:
            check_notice_in_time(case.received_at, now, self.calendar.calendar, self.calendar.hours)
            changed = replace(changed, notice_at=now)
        elif action is Action.PAUSE:
            changed = replace(changed, paused_at=now)
        elif action is Action.RESUME and case.paused_at is not None:
            days = paused_working_days([Pause(case.paused_at, now)], now, self.calendar.calendar)
            changed = replace(changed, paused_at=None, paused_days=case.paused_days + days)
            data["paused_days"] = days
        elif action is Action.EXTEND:
            changed = replace(changed, extension_days=EXTENSION_DAYS)
            data["approved_by"] = session.staff.name
        elif action in (Action.REJECT, Action.DENY, Action.TERMINATE):
            changed = replace(changed, reason=reason)
        deadlines = self.deadlines(changed, now)
        if deadlines is not None:
            changed = replace(
                changed,
                promised_due=deadlines.promised.due,
                legal_due=deadlines.legal.due,
                due_provisional=deadlines.provisional,
            )
        if changed.rongque and changed.promise_lapsed_on is None:
            changed = replace(changed, promise_lapsed_on=self._lapse(changed, now))
        if action is not Action.REPRINT:
            cases_store.update_case(self.db, changed, now)
        cases_store.add_event(self.db, event(case, action, state, session, now, reason, data), now)
        return changed

    def _notice_after(
        self,
        case: Case,
        action: Action,
        materials: Sequence[CaseMaterial],
        session: Session,
        now: datetime,
        *,
        reason: str = "",
    ) -> Notice | None:
        if action in (Action.ACCEPT, Action.SUPPLEMENT_ARRIVED):
            kind: NoticeKind | None = NoticeKind.RONGQUE if case.rongque else NoticeKind.ACCEPTED
        else:
            kind = _NOTICE_AFTER.get(action)
        if kind is None:
            return None
        if action in (Action.PAUSE, Action.EXTEND):  # the reason is the event's, not the case's
            case = replace(case, reason=reason)
        notice = build_notice(
            kind,
            self._as_noticed(case, kind, now),
            cases_store.children(self.db, case.id),
            materials,
            self.settings,
            session.staff.name,
            session.window,
            now,
        )
        if action is Action.EXTEND:  # Art. 42: approved by the head, here the 值班长 acting
            notice = replace(notice, approver=session.staff.name)
        return notice

    def _handed_to(self, case_id: str) -> tuple[str, str]:
        """Who collected the case at its 出件 (name, ID number); empty if not collected."""
        events = cases_store.events(self.db, case_id)
        return next((e.recipient for e in reversed(events) if e.action is Action.DELIVER), ("", ""))

    def _with_recipient(self, notice: Notice, case_id: str) -> Notice:
        """The 出件回执 names who collected."""
        if notice.kind is not NoticeKind.HANDED_OVER:
            return notice
        name, id_number = self._handed_to(case_id)
        return replace(notice, recipient_name=name, recipient_id_number=id_number)

    def _as_noticed(self, case: Case, kind: NoticeKind, now: datetime) -> Case:
        """A paused case's legal deadline as it stood when the clock stopped: the 中止
        notice says it moves on by the days paused, however long ago the pause began."""
        if kind is not NoticeKind.PAUSED or case.paused_at is None:
            return case
        stopped = self.deadlines(replace(case, paused_at=None), case.paused_at)
        if stopped is None:
            return case
        return replace(case, legal_due=stopped.legal.due, due_provisional=stopped.provisional)


def first_lapse(db: Database, case: Case, now: datetime) -> date | None:
    """The first lapse among the case's open 容缺 promises as of ``now``."""
    days = [
        promise_lapsed_on(m.promised_due, None, now.date())
        for m in cases_store.materials(db, case.parent_id or case.id)
        if m.status is MaterialStatus.PROMISED and m.promised_due is not None
    ]
    return min((d for d in days if d is not None), default=None)
