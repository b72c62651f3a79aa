"""Intake at the window: from the applicant and the worked checklist to a decided case.

One call of :meth:`IntakeService.decide` is one transaction: the applicant, the case
(and for a bundle its sub-cases), the checklist, the events and every outbox op commit
together or not at all. The notice for the decision comes back as a plain
:class:`~counter.model.notice.Notice` for the page to preview and printing to lay out.
"""

from __future__ import annotations

import json
import secrets
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
    CaseNumberPattern,
    CaseState,
    device_code,
    sub_case_number,
)
from counter.model.catalog import Bundle, Checklist, Item
from counter.model.catalog_search import CatalogEntry
from counter.model.clock import to_ms
from counter.model.deadlines import case_deadlines, decision_start, latest_promise_date
from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.identity import normalise
from counter.model.intake import (
    APPLICANT_FIELDS,
    Agent,
    Applicant,
    ApplicantForm,
    ApplicantKind,
    CaseMaterial,
    Decision,
    FieldWarning,
    LineState,
    MaterialStatus,
    Verification,
    applicant_errors,
    check_applicant,
    check_decision,
    check_field,
    first_verification,
    missing_lines,
    still_to_confirm,
)
from counter.model.notice import Notice, NoticeKind, NoticeMaterial, NoticeParty, PromiseLine
from counter.model.ratings import rating_link
from counter.model.settings import Settings
from counter.model.staff import Role, password_matches
from counter.services import audit_trail, roles
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.credit_service import CreditListService
from counter.services.session import Session
from counter.store import cases_store, outbox, staff_store, visits_store
from counter.store.db import immediate

INTAKE_ROLES = roles.WINDOW_STAFF
#: Said of a warning no supervisor has confirmed yet, when the form is decided.
NEEDS_CONFIRMATION = "须值班长确认后才能保存"
REMEDIES = (
    "申请人如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class Override:
    """A supervisor's confirmation of soft warnings (e.g. a USCC failing its checksum)."""

    staff_id: str
    staff_name: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class IntakeRequest:
    target_code: str
    applicant: ApplicantForm
    states: tuple[LineState, ...]
    decision: Decision | None  # None: save as 预审 draft, no notice yet
    reason: str = ""
    other_office: str = ""
    override: Override | None = None
    ticket_id: str | None = None
    draft_id: str | None = None  # a draft from a site visit, taken in by this decision
    #: The form's own id (IntakeService.new_request_id, made when the form is started):
    #: a second decision for the same form is refused, whatever the keys pressed.
    request_id: str = ""


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    sub_cases: tuple[Case, ...]
    notice: Notice | None


#: Notices refusing the application, with the right to 行政复议 / 行政诉讼.
REFUSALS = (NoticeKind.REJECTED, NoticeKind.NO_LICENCE_NEEDED)
#: Notices about a case in hand: its clock stopped (中止), extended (延期) or ended (终止).
ABOUT_THE_CASE = (NoticeKind.PAUSED, NoticeKind.EXTENDED, NoticeKind.TERMINATED)

_DECISION_NOTICE = {
    Decision.NO_LICENCE: NoticeKind.NO_LICENCE_NEEDED,
    Decision.NOT_OUR_OFFICE: NoticeKind.REJECTED,
    Decision.SUPPLEMENT: NoticeKind.SUPPLEMENT,
    Decision.ACCEPT: NoticeKind.ACCEPTED,
    Decision.CORRECTED: NoticeKind.ACCEPTED,
    Decision.RONGQUE: NoticeKind.RONGQUE,
}


def new_id(now: datetime) -> str:
    return outbox.uuid7(to_ms(now))


#: Bytes drawn for a rating link's token: 128 bits, not to be guessed even online, which
#: url-safe base64 writes as the 22 characters model.ratings.is_token expects.
RATING_TOKEN_BYTES = 16


def new_rating_token() -> str:
    """扫码评价: the case's rating link token, 128 random bits made here, offline, and
    synced with the case; the central finds the service by it (docs/security.md)."""
    return secrets.token_urlsafe(RATING_TOKEN_BYTES)


def event(
    case: Case,
    action: Action,
    to_state: CaseState,
    session: Session,
    now: datetime,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> CaseEvent:
    return CaseEvent(
        id=new_id(now),
        case_id=case.id,
        action=action,
        from_state=None if action is Action.CREATE else case.state,
        to_state=to_state,
        at=now,
        staff_id=session.staff.id,
        staff_name=session.staff.name,
        window=session.window,
        reason=reason,
        data=json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
    )


def build_notice(
    kind: NoticeKind,
    case: Case,
    sub_cases: Sequence[Case],
    materials: Sequence[CaseMaterial],
    settings: Settings,
    clerk: str,
    window: str,
    now: datetime,
    *,
    correction: str = "",
) -> Notice:
    """The content of a notice for ``case``; printing lays it out, the page previews it.

    ``correction`` is what was corrected on the spot (:func:`correction_of`), printed on
    the 受理通知书 of a case decided 当场更正后受理."""
    received = tuple(
        NoticeMaterial(
            m.name, "原件" if m.status is MaterialStatus.ORIGINAL else "复印件", m.copies
        )
        for m in materials
        if m.status.received
    )
    if kind not in REFUSALS:  # a refusal lists what goes back: shared data never came in
        received += tuple(
            NoticeMaterial(m.name, "免提交", 0, f"共享数据免提交（{m.shared_source}）")
            for m in materials
            if m.status is MaterialStatus.EXEMPT
        )
    missing: tuple[NoticeMaterial, ...] = ()
    if kind is NoticeKind.SUPPLEMENT:
        missing = tuple(
            NoticeMaterial(
                line.material.name,
                line.form.value,
                line.copies,
                "" if why.startswith("缺少") else why,
            )
            for line, why in missing_lines(
                Checklist(tuple(m.line for m in materials)), [m.state for m in materials]
            )
        )
    promises = tuple(
        PromiseLine(m.name, m.promised_due)
        for m in materials
        if m.status is MaterialStatus.PROMISED and m.promised_due is not None
    )
    items = tuple(s.title for s in sub_cases) or (case.title,)
    extra: tuple[str, ...] = ()
    if sub_cases and kind is NoticeKind.EXTENDED:
        extra = tuple(
            f"{s.number} {s.title}：法定办结期限延至 {s.legal_due:%Y-%m-%d %H:%M}"
            + ("（暂定）" if s.due_provisional else "")
            for s in sub_cases
            if s.legal_due is not None
        )
    elif sub_cases and case.accepted_at is not None and kind not in ABOUT_THE_CASE:
        extra = tuple(
            f"{s.number} {s.title}：承诺 {s.promised_due:%Y-%m-%d %H:%M} 前办结"
            + ("（暂定）" if s.due_provisional else "")
            for s in sub_cases
            if s.promised_due is not None
        )
    return Notice(
        kind=kind,
        case_number=case.number,
        hall_name=settings["hall_name"],
        issued_at=now,
        applicant=NoticeParty(
            name=case.applicant_name,
            id_kind=ApplicantKind(case.applicant_kind).id_label,
            id_number=case.applicant_id_number,
            phone=case.applicant_phone,
            agent_name=case.agent_name,
            agent_id_number=case.agent_id_number,
        ),
        items=items,
        clerk=clerk,
        window=window,
        received=received,
        missing=missing,
        promises=promises,
        deadline=f"{case.promised_due:%Y-%m-%d %H:%M}" if case.promised_due else "",
        deadline_provisional=case.due_provisional,
        reason=case.reason,
        correction=correction.strip() if kind is NoticeKind.ACCEPTED else "",
        other_office=case.other_office,
        remedies=REMEDIES if kind in (*REFUSALS, *ABOUT_THE_CASE) else "",
        contact=settings["hall_phone"],
        extra_lines=extra,
        rating_url=(
            rating_link(
                settings["rating_url"], case.number, case.rating_token, settings["central_url"]
            )
            if kind is NoticeKind.HANDED_OVER
            else ""
        ),
        legal_deadline=f"{case.legal_due:%Y-%m-%d %H:%M}" if case.legal_due else "",
        paused_since=case.paused_at.date() if case.paused_at else None,
        extension_days=case.extension_days,
    )


def correction_of(db: Database, case_id: str) -> str:
    """What the clerk noted was corrected on the spot, read from the case's 当场更正 event.

    The case keeps no column for it: the event already holds the text and syncs with the
    case, so the first print and every reprint read the same words from the same place."""
    found = [e.reason for e in cases_store.events(db, case_id) if e.action is Action.CORRECTED]
    return found[-1].strip() if found else ""


def _audit_decision(
    db: Database, session: Session, request: IntakeRequest, result: IntakeResult, now: datetime
) -> None:
    case = result.case
    decision = request.decision.value if request.decision is not None else "draft"
    target = f"cases:{case.id}"
    detail = {"number": case.number, "decision": decision, "state": case.state.value}
    audit_trail.record(db, session, AuditAction.DECISION, target, detail, now)
    if request.override is not None:
        confirmed = {
            "number": case.number,
            "by": request.override.staff_id,
            "warnings": list(request.override.warnings),
        }
        audit_trail.record(db, session, AuditAction.OVERRIDE, target, confirmed, now)


class IntakeService:
    def __init__(
        self,
        db: Database,
        catalog: CatalogService,
        calendar: CalendarService,
        settings: Settings,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.calendar = calendar
        self.settings = settings
        self.pattern = CaseNumberPattern.parse(settings["case_number_pattern"])
        self.credit = CreditListService(db)

    # --- choosing what the applicant came for -------------------------------------

    def search(self, session: Session, query: str) -> list[CatalogEntry]:
        """Catalog search; with an empty query this clerk's frequent items come first."""
        entries = self.catalog.search(query)
        if query.strip():
            return entries
        frequent = cases_store.frequent_targets(self.db, session.staff.id)
        order = {code: n for n, code in enumerate(frequent)}
        return sorted(entries, key=lambda e: order.get(e.code, len(order)))

    def target(self, code: str) -> Item | Bundle:
        catalog = self.catalog.catalog
        target: Item | Bundle = (
            catalog.bundle(code) if catalog.has_bundle(code) else catalog.item(code)
        )
        if isinstance(target, Item) and not target.active:
            raise NotAllowedError(f"事项“{target.name}”已取消，不能再受理")
        return target

    def items_of(self, target: Item | Bundle) -> tuple[Item, ...]:
        if isinstance(target, Bundle):
            return self.catalog.catalog.bundle_items(target)
        return (target,)

    def checklist(self, code: str) -> Checklist:
        return self.catalog.checklist(self.target(code))

    def latest_promise(self, code: str, now: datetime) -> date:
        """The last date a 容缺 promise may name: the promised completion day."""
        return latest_promise_date(
            now, self.target(code).promised_days, self.calendar.calendar, self.calendar.hours
        )

    # --- the applicant --------------------------------------------------------------

    def returning_applicant(self, kind: ApplicantKind, id_number: str) -> Applicant | None:
        return cases_store.find_applicant(self.db, kind, id_number)

    def verification(self, id_number: str) -> Verification | None:
        """A supervisor's earlier confirmation of this person's ID despite its area-code
        warning, at any window of the hall (read from the synced cases and their
        events), or None."""
        value = normalise(id_number)
        if not value:
            return None
        return first_verification(value, cases_store.overrides_of_person(self.db, value))

    def field_check(
        self, form: ApplicantForm, field: str, today: date
    ) -> tuple[str, tuple[str, ...], Verification | None]:
        """:func:`~counter.model.intake.check_field` as the window sees it: a person's
        area-code warning a supervisor confirmed before is taken off, and that
        confirmation comes back for the page to show (已核验（值班长 … 日期）)."""
        value, soft = check_field(form, field, today)
        found = self._verified(form.kind, field, value) if soft else None
        if found is None:
            return value, soft, None
        left = still_to_confirm([FieldWarning(field, w) for w in soft], {field: found})
        return value, tuple(w.message for w in left), found

    def _verified(self, kind: ApplicantKind, field: str, value: str) -> Verification | None:
        if field == "agent_id" or (field == "id_number" and kind is ApplicantKind.PERSON):
            return self.verification(value)
        return None

    def confirm_override(
        self,
        session: Session,
        warnings: Sequence[FieldWarning],
        login: str = "",
        password: str = "",
    ) -> Override:
        """A supervisor confirms soft warnings: the signed-in one, or one who types their
        password at this window. Recorded with the case's events."""
        messages = tuple(w.message for w in warnings)
        if session.staff.role in (Role.SUPERVISOR, Role.ADMIN) and not login:
            return Override(session.staff.id, session.staff.name, messages)
        if not login.strip():
            raise ValidationError("override_login", "请值班长输入工号确认")
        staff = staff_store.find_by_login(self.db, login.strip().lower())
        if staff is None:
            raise ValidationError("override_login", f"没有工号为“{login}”的人员")
        if staff.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise ValidationError("override_login", f"{staff.description}不是值班长，不能确认")
        if not password_matches(staff.password_hash, password):
            raise ValidationError("override_password", "值班长密码不正确")
        return Override(staff.id, staff.name, messages)

    # --- deciding -----------------------------------------------------------------------

    def new_request_id(self, now: datetime) -> str:
        """The id of an intake form just started: every decision names it, and only the
        first is taken (:meth:`decide`)."""
        return new_id(now)

    def problems(self, request: IntakeRequest, now: datetime) -> dict[str, str]:
        """Everything that keeps ``request`` from being decided, by field in screen
        order: every applicant field's error, each warning still to be confirmed by a
        supervisor, and what the checklist or the decision lacks. Empty: it may go."""
        form, today = request.applicant, now.date()
        errors = applicant_errors(form, today)
        confirmed = request.override.warnings if request.override else ()
        found: dict[str, str] = {}
        for field in APPLICANT_FIELDS:
            if field in errors:
                found[field] = errors[field]
            elif getattr(form, field).strip():
                _, soft, _ = self.field_check(form, field, today)
                unconfirmed = [m for m in soft if m not in confirmed]
                if unconfirmed:
                    found[field] = f"{unconfirmed[0]}（{NEEDS_CONFIRMATION}）"
        if request.decision is not None:
            try:
                check_decision(
                    request.decision,
                    self.catalog.checklist(self.target(request.target_code)),
                    request.states,
                    reason=request.reason,
                    other_office=request.other_office,
                    today=today,
                    latest_promise=self.latest_promise(request.target_code, now),
                )
            except ValidationError as exc:
                found.setdefault(exc.field, exc.message)
        return found

    def decide(self, session: Session, request: IntakeRequest, now: datetime) -> IntakeResult:
        """One decision, one transaction. Every problem of the form is raised together
        (:class:`ValidationErrors`); a form already decided is refused, naming its case."""
        session.require(*INTAKE_ROLES)
        target = self.target(request.target_code)
        items = self.items_of(target)
        self._check_not_decided(request.request_id)
        problems = self.problems(request, now)
        if problems:
            raise ValidationErrors(problems)
        applicant, agent, _ = check_applicant(request.applicant, now.date())
        checklist = self.catalog.checklist(target)
        if request.decision is Decision.RONGQUE:
            self.credit.check_rongque(applicant.id_number)
        materials = tuple(
            CaseMaterial.of(n, line, state)
            for n, (line, state) in enumerate(
                zip(checklist.lines, request.states, strict=True), start=1
            )
        )
        with immediate(self.db):
            self._check_not_decided(request.request_id)  # again, under the write lock
            result = self._write(
                session, request, target, items, applicant, agent, checklist, materials, now
            )
            _audit_decision(self.db, session, request, result, now)
            if request.draft_id:
                visits_store.take_draft(
                    self.db, request.draft_id, result.case.number, session.staff.name, now
                )
            return result

    def _check_not_decided(self, request_id: str) -> None:
        if not request_id:
            return
        number = cases_store.number_for_request(self.db, request_id)
        if number is not None:
            raise NotAllowedError(
                f"这份申请已保存为办件 {number}，不会再登记一件；办理下一位请按 Ctrl+N"
            )

    def _write(
        self,
        session: Session,
        request: IntakeRequest,
        target: Item | Bundle,
        items: Sequence[Item],
        applicant: Applicant,
        agent: Agent | None,
        checklist: Checklist,
        materials: Sequence[CaseMaterial],
        now: datetime,
    ) -> IntakeResult:
        device = device_code(outbox.device_id(self.db))
        scope = self.pattern.scope(now, device, session.window)
        number = self.pattern.render(
            now, device, session.window, cases_store.next_sequence(self.db, scope)
        )
        cases_store.save_applicant(self.db, applicant, now)
        bundle = target if isinstance(target, Bundle) else None
        exempt = len(checklist.exempt)
        base = Case(
            id=new_id(now),
            number=number,
            title=target.name,
            state=CaseState.DRAFT,
            applicant_id=applicant.key,
            applicant_kind=applicant.kind.value,
            applicant_name=applicant.name,
            applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone,
            clerk_id=session.staff.id,
            clerk_name=session.staff.name,
            window=session.window,
            catalog_version=self.catalog.catalog.version,
            created_at=now,
            received_at=now,
            updated_at=now,
            item_code=None if bundle else target.code,
            bundle_code=bundle.code if bundle else None,
            department="" if bundle else items[0].department,
            agent_name=agent.name if agent else "",
            agent_id_number=agent.id_number if agent else "",
            ticket_id=request.ticket_id,
            request_id=request.request_id or None,
            promised_days=target.promised_days,
            legal_days=max(i.legal_days for i in items),
            asked_count=checklist.asked_count,
            naive_count=checklist.naive_count,
            exempt_count=exempt,
            rating_token=new_rating_token(),
        )
        subs = [
            replace(
                base,
                id=new_id(now),
                number=sub_case_number(number, n),
                title=item.name,
                parent_id=base.id,
                position=n,
                request_id=None,
                rating_token="",  # the service rated is the whole case (一事一评)
                item_code=item.code,
                department=item.department,
                promised_days=min(item.promised_days, bundle.promised_days),
                legal_days=item.legal_days,
                asked_count=0,
                naive_count=0,
                exempt_count=0,
            )
            for n, item in enumerate(items, start=1)
            if bundle is not None
        ]
        cases_store.insert_case(self.db, base, now)
        for sub in subs:
            cases_store.insert_case(self.db, sub, now)
        cases_store.save_materials(self.db, base.id, materials, now)

        override_data: dict[str, object] = {}
        if request.override is not None:
            override_data = {
                "override_by": request.override.staff_name,
                "override_by_id": request.override.staff_id,
                "override_warnings": list(request.override.warnings),
            }
            audit.info(
                "override of %s by %s on case %s",
                request.override.warnings,
                request.override.staff_name,
                number,
            )
        decision = request.decision
        if decision is None:
            for case in (base, *subs):
                cases_store.add_event(
                    self.db,
                    event(case, Action.CREATE, CaseState.DRAFT, session, now, "", override_data),
                    now,
                )  # fmt: skip
            return IntakeResult(base, tuple(subs), None)

        updated = [self._apply(c, decision, request, session, now, override_data)
                   for c in (base, *subs)]  # fmt: skip
        parent, children = updated[0], tuple(updated[1:])
        notice = build_notice(
            _DECISION_NOTICE[decision],
            parent,
            children,
            materials,
            self.settings,
            session.staff.name,
            session.window,
            now,
            correction=correction_of(self.db, parent.id),
        )
        return IntakeResult(parent, children, notice)

    def _apply(
        self,
        case: Case,
        decision: Decision,
        request: IntakeRequest,
        session: Session,
        now: datetime,
        override_data: dict[str, object],
    ) -> Case:
        """Move one freshly made case from 预审 to the decision's state, with its events."""
        data = {**override_data, "decision": decision.value}
        if request.ticket_id:
            data["ticket_id"] = request.ticket_id
        if decision is Decision.CORRECTED:
            cases_store.add_event(
                self.db,
                event(case, Action.CORRECTED, CaseState.DRAFT, session, now, request.reason, data),
                now,
            )
        if decision in (Decision.NO_LICENCE, Decision.NOT_OUR_OFFICE):
            action, state = Action.REJECT, CaseState.REJECTED
            reason = request.reason.strip()
            changed = replace(
                case,
                state=state,
                decision=decision.value,
                reason=reason,
                other_office=request.other_office.strip(),
                notice_at=now,
            )
        elif decision is Decision.SUPPLEMENT:
            action, state, reason = Action.SUPPLEMENT, CaseState.SUPPLEMENT, ""
            changed = replace(case, state=state, decision=decision.value, notice_at=now)
        else:
            action, state = Action.ACCEPT, CaseState.ACCEPTED
            reason = request.reason.strip() if decision is Decision.CORRECTED else ""
            changed = self.accepted(case, now, rongque=decision is Decision.RONGQUE)
            changed = replace(changed, decision=decision.value, notice_at=now)
        changed = replace(changed, updated_at=now)
        cases_store.update_case(self.db, changed, now)
        cases_store.add_event(self.db, event(case, action, state, session, now, reason, data), now)
        return changed

    def accepted(self, case: Case, now: datetime, *, rongque: bool = False) -> Case:
        """``case`` accepted at ``now``, with its deadlines; a case deemed accepted
        (no one-time notice in five working days) counts them from its receipt."""
        start, deemed = decision_start(
            case.received_at,
            case.notice_at,
            case.deemed_accepted,
            now,
            self.calendar.calendar,
            self.calendar.hours,
        )
        deadlines = case_deadlines(
            start,
            promised_days=case.promised_days,
            legal_days=case.legal_days,
            now=now,
            calendar=self.calendar.calendar,
            hours=self.calendar.hours,
        )
        return replace(
            case,
            state=CaseState.ACCEPTED,
            accepted_at=start,
            deemed_accepted=deemed,
            rongque=rongque or case.rongque,
            promised_due=deadlines.promised.due,
            legal_due=deadlines.legal.due,
            due_provisional=deadlines.provisional,
        )
