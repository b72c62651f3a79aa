"""The specialist's visits: log, 跟跑 tasks, 预审, 代办委托 and draft cases, all offline.

Every call is one transaction with its outbox ops, so a laptop that sees no network for
days keeps every visit, and the hall's intake lists the drafts after the next sync.
:meth:`VisitsService.monthly_counts` gives the hall's figures (visits and agent services
per month) to the statistics page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlite_utils import Database

from counter.model.catalog import Bundle, Checklist, Item
from counter.model.clock import to_ms
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.intake import ApplicantForm, ApplicantKind, LineState, check_applicant
from counter.model.settings import Settings
from counter.model.visits import (
    Authorisation,
    AuthorisationForm,
    CaseDraft,
    DraftState,
    FollowUpTask,
    PrepareList,
    PreReview,
    Visit,
    VisitCounts,
    VisitForm,
    check_authorisation,
    check_task,
    check_visit,
    default_task_due,
    default_valid_until,
    prepare_list,
)
from counter.services import roles
from counter.services.catalog_service import CatalogService
from counter.services.session import Session
from counter.store import holidays, outbox, visits_store
from counter.store.db import immediate

#: Who goes out on visits: the specialists, and the supervisor who covers for them.
VISIT_ROLES = roles.SITE_VISITORS


@dataclass(frozen=True)
class DraftApplicant:
    """The enterprise as it will stand on the case: filled from the visit, editable."""

    uscc: str
    name: str
    legal_rep: str
    phone: str
    contact: str = ""


def _id(now: datetime) -> str:
    return outbox.uuid7(to_ms(now))


class VisitsService:
    def __init__(self, db: Database, catalog: CatalogService, settings: Settings) -> None:
        self.db = db
        self.catalog = catalog
        self.settings = settings

    # --- reading --------------------------------------------------------------------

    def visits(self, specialist_id: str | None = None) -> list[Visit]:
        """Every visit this laptop holds (teammates' come down with sync), or one
        specialist's own."""
        return visits_store.visits(self.db, specialist_id=specialist_id)

    def visit(self, visit_id: str) -> Visit:
        found = visits_store.get_visit(self.db, visit_id)
        if found is None:
            raise NotFoundError("没有找到这次走访记录")
        return found

    def tasks(self, visit_id: str | None = None) -> list[FollowUpTask]:
        return visits_store.tasks(self.db, visit_id)

    def prereviews(self, visit_id: str) -> list[PreReview]:
        return visits_store.prereviews(self.db, visit_id)

    def target(self, code: str) -> Item | Bundle:
        catalog = self.catalog.catalog
        code = code.strip().upper()
        if catalog.has_bundle(code):
            return catalog.bundle(code)
        if not catalog.has_item(code):
            raise ValidationError("target", f"目录中没有编码为“{code}”的事项或一件事")
        item = catalog.item(code)
        if not item.active:
            raise NotAllowedError(f"事项“{item.name}”已取消，不能再预审")
        return item

    def find_target(self, query: str) -> Item | Bundle:
        """What the specialist typed, found as the 受理 page finds it (name, code or
        pinyin initials such as ``qykb``): the best match."""
        text = query.strip()
        if not text:
            raise ValidationError("target", "请输入事项或一件事：名称、编码或拼音首字母")
        found = self.catalog.search(text)
        if not found:
            raise ValidationError("target", f"目录中没有与“{text}”相符的事项或一件事")
        return self.target(found[0].code)

    def checklist(self, code: str) -> Checklist:
        return self.catalog.checklist(self.target(code))

    def default_dates(self, today: date) -> tuple[date, date]:
        """The dates a new visit's form starts with: a 跟跑 task due the next working
        day, a 代办委托 valid for a month."""
        calendar = holidays.load_calendar(self.db)
        return default_task_due(today, calendar), default_valid_until(today)

    def open_drafts(self) -> list[CaseDraft]:
        """What the hall's intake lists: drafts from visits not yet taken in."""
        return visits_store.drafts(self.db, DraftState.OPEN)

    def draft(self, draft_id: str) -> CaseDraft:
        found = visits_store.get_draft(self.db, draft_id)
        if found is None:
            raise NotFoundError("没有找到这份预审草稿")
        return found

    def prepare_list(self, review_id: str, now: datetime) -> PrepareList:
        """The one-time list of what to prepare, for the PDF left with the enterprise."""
        review = visits_store.get_prereview(self.db, review_id)
        if review is None:
            raise NotFoundError("没有找到这次预审")
        visit = self.visit(review.visit_id)
        return prepare_list(
            self.checklist(review.target_code),
            review.states,
            hall_name=self.settings["hall_name"],
            enterprise_name=visit.enterprise_name,
            uscc=visit.uscc,
            target_name=review.target_name,
            specialist=visit.specialist_name,
            made_at=now,
            contact=self.settings["hall_phone"],
        )

    def authorisations(self, uscc: str) -> list[Authorisation]:
        return visits_store.authorisations(self.db, uscc)

    def monthly_counts(self, month: str) -> VisitCounts:
        """``month`` as ``YYYY-MM``: visits, enterprises, pre-reviews, drafts, agent services."""
        return VisitCounts(month=month, **visits_store.month_counts(self.db, month))

    # --- writing --------------------------------------------------------------------

    def save_visit(
        self, session: Session, form: VisitForm, now: datetime, visit_id: str | None = None
    ) -> Visit:
        """A new visit, or an edit of one (``visit_id``); a bad field saves nothing."""
        session.require(*VISIT_ROLES)
        checked = check_visit(form, now.date())
        for code in checked.items:
            self.target(code)
        with immediate(self.db):
            old = visits_store.get_visit(self.db, visit_id) if visit_id else None
            if visit_id and old is None:
                raise NotFoundError("没有找到要修改的走访记录")
            visit = Visit(
                id=old.id if old else _id(now),
                uscc=checked.uscc,
                enterprise_name=checked.enterprise_name,
                address=checked.address,
                contact=checked.contact,
                contact_phone=checked.contact_phone,
                visited_on=checked.visited_on,
                place=checked.place,
                purpose=checked.purpose,
                items=checked.items,
                notes=checked.notes,
                specialist_id=old.specialist_id if old else session.staff.id,
                specialist_name=old.specialist_name if old else session.staff.name,
                created_at=old.created_at if old else now,
                updated_at=now,
                uscc_warnings=checked.warnings,
            )
            visits_store.save_visit(self.db, visit, now)
        return visit

    def add_task(
        self, session: Session, visit_id: str, text: str, due: date | None, now: datetime
    ) -> FollowUpTask:
        session.require(*VISIT_ROLES)
        visit = self.visit(visit_id)
        what, when = check_task(text, due, visit.visited_on)
        task = FollowUpTask(_id(now), visit_id, what, when)
        with immediate(self.db):
            visits_store.save_task(self.db, task, now)
        return task

    def finish_task(self, session: Session, task_id: str, now: datetime) -> FollowUpTask:
        session.require(*VISIT_ROLES)
        with immediate(self.db):
            found = [t for t in visits_store.tasks(self.db) if t.id == task_id]
            if not found:
                raise NotFoundError("没有找到这项跟跑事项")
            if found[0].done_at is not None:
                raise NotAllowedError("这项跟跑事项已经完成")
            task = replace(found[0], done_at=now)
            visits_store.save_task(self.db, task, now)
        return task

    def prereview(
        self,
        session: Session,
        visit_id: str,
        target_code: str,
        states: Sequence[LineState],
        now: datetime,
    ) -> PreReview:
        """The materials as seen at the enterprise against today's merged checklist."""
        session.require(*VISIT_ROLES)
        visit = self.visit(visit_id)
        target = self.target(target_code)
        checklist = self.catalog.checklist(target)
        if [s.material_id for s in states] != [line.material.id for line in checklist]:
            raise ValidationError("checklist", "预审记录与当前材料清单不一致，请重新选择事项")
        review = PreReview(
            _id(now), visit.id, target.code, target.name, tuple(states),
            self.catalog.catalog.version, now,
        )  # fmt: skip
        with immediate(self.db):
            visits_store.add_prereview(self.db, review, now)
        return review

    def authorise(
        self, session: Session, visit_id: str, form: AuthorisationForm, now: datetime
    ) -> Authorisation:
        """代办委托 recorded at the visit: the agent, the matters, the end date."""
        session.require(*VISIT_ROLES)
        visit = self.visit(visit_id)
        name, id_number, scope, until = check_authorisation(form, now.date(), visit.enterprise_name)
        for code in scope:
            self.target(code)
        auth = Authorisation(
            _id(now), visit.uscc, visit.enterprise_name, name, id_number, scope, now.date(),
            until, visit.id, now,
        )  # fmt: skip
        with immediate(self.db):
            visits_store.add_authorisation(self.db, auth, now)
        return auth

    def make_draft(
        self,
        session: Session,
        review_id: str,
        applicant: DraftApplicant,
        now: datetime,
        authorisation_id: str = "",
    ) -> CaseDraft:
        """A draft case for the hall: the enterprise checked as intake checks it, and the
        agent's authorisation checked to cover the item today. Refused whole, or saved whole."""
        session.require(*VISIT_ROLES)
        review = visits_store.get_prereview(self.db, review_id)
        if review is None:
            raise NotFoundError("没有找到这次预审")
        auth = None
        if authorisation_id:
            visit = self.visit(review.visit_id)
            found = [a for a in self.authorisations(visit.uscc) if a.id == authorisation_id]
            if not found:
                raise NotFoundError("没有找到所选的代办委托")
            auth = found[0]
            names = {review.target_code: review.target_name}
            auth.check_covers(review.target_code, now.date(), names)
        form = ApplicantForm(
            ApplicantKind.ENTERPRISE,
            id_number=applicant.uscc,
            name=applicant.name,
            phone=applicant.phone,
            legal_rep=applicant.legal_rep,
            contact=applicant.contact,
            agent_name=auth.agent_name if auth else "",
            agent_id=auth.agent_id_number if auth else "",
        )
        try:
            checked, _agent, _warnings = check_applicant(form, now.date())
        except ValidationError as exc:
            field = "uscc" if exc.field == "id_number" else exc.field
            raise ValidationError(field, exc.message) from None
        if auth is not None and auth.uscc != checked.id_number:
            raise NotAllowedError(f"所选代办委托是{auth.enterprise_name}出具的，与本企业不符")
        draft = CaseDraft(
            id=_id(now),
            visit_id=review.visit_id,
            prereview_id=review.id,
            target_code=review.target_code,
            target_name=review.target_name,
            uscc=checked.id_number,
            enterprise_name=checked.name,
            legal_rep=checked.legal_rep,
            contact=checked.contact,
            phone=checked.phone,
            agent_name=auth.agent_name if auth else "",
            agent_id_number=auth.agent_id_number if auth else "",
            authorisation_id=auth.id if auth else "",
            states=review.states,
            specialist_id=session.staff.id,
            specialist_name=session.staff.name,
            created_at=now,
        )
        with immediate(self.db):
            visits_store.save_draft(self.db, draft, now)
        return draft
