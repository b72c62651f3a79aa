"""A morning at the hall on a demo store, made through the services as the windows would:
tickets waiting and called, cases taken in (one accepted, one 一次性告知补正), a
service rated badly (so a follow-up is open), a visit's draft waiting at the hall and
notices in the print queue.

For tests/ui/test_fits_the_screen.py, which sizes each window with real content in it,
and scripts/screens.py, which renders every screen for docs/screens/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    FieldWarning,
    LineState,
    check_applicant,
)
from counter.model.print_job import MissedTicket
from counter.model.ratings import Channel, Level, Scores
from counter.model.settings import Settings
from counter.model.visits import AuthorisationForm, CaseDraft, VisitForm
from counter.printing import payloads
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeResult, IntakeService
from counter.services.print_service import PrintService
from counter.services.queue_service import LocalQueue
from counter.services.ratings_service import RatingsService
from counter.services.session import Session, sign_in
from counter.services.visits_service import DraftApplicant, VisitsService
from counter.store import print_store
from counter.store.db import immediate
from tests.materials import originals

USCC = "91350100M000100Y43"
AGENT_ID = "11010519491231002X"
#: 衡阳市珠晖区 was set up after 1980: this ID carries a warning a supervisor confirms.
HENGYANG_ID = "430405198001011239"
BUNDLE = "YJS-QYKB"


@dataclass(frozen=True)
class Morning:
    supervisor: Session  # 张伟 at window 1, serving a ticket
    clerk: Session  # 李娜 at window 3
    accepted: IntakeResult
    supplement: IntakeResult
    drafts: tuple[CaseDraft, ...]
    warnings: tuple[FieldWarning, ...]  # what the supervisor is asked to confirm


def services(db: Database) -> tuple[IntakeService, CasesService]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


def received(intake: IntakeService, code: str, missing: int = 0) -> tuple[LineState, ...]:
    """Every line asked for received as an original, but the first ``missing`` ones."""
    return originals(intake.checklist(code), missing)


def company(**changes: str) -> ApplicantForm:
    values = {"id_number": USCC, "name": "示范科技有限公司", "phone": "13812345678",
              "legal_rep": "张三", "contact": "张三"}  # fmt: skip
    values.update(changes)
    return ApplicantForm(ApplicantKind.ENTERPRISE, **values)


def queue_morning(db: Database, supervisor: Session, clerk: Session, now: datetime) -> datetime:
    """Tickets since 8:45; window 1 has served and finished one (the rating pad offers
    it, rated badly here) and now serves another; window 3 serves a third."""
    queue = LocalQueue(db)
    start = now - timedelta(minutes=75)
    tickets = [("A", ""), ("A", ""), ("B", ""), ("A", "老年人"), ("C", ""), ("B", ""),
               ("A", ""), ("D", ""), ("A", ""), ("B", "军人"), ("A", ""), ("C", "")]  # fmt: skip
    issued = [start + timedelta(minutes=4 * n) for n in range(len(tickets))]
    for (code, reason), at in zip(tickets[:2], issued, strict=False):  # before the first call
        queue.issue(code, at, priority_reason=reason)
    first = queue.call_next(supervisor, start + timedelta(minutes=5))
    queue.start(supervisor, first.id, start + timedelta(minutes=6))
    for (code, reason), at in zip(tickets[2:], issued[2:], strict=True):
        queue.issue(code, at, priority_reason=reason)
    finished = start + timedelta(minutes=25)
    queue.finish(supervisor, first.id, ["设立登记"], finished)
    queue.call_next(clerk, now - timedelta(minutes=12))
    serving = queue.call_next(supervisor, now - timedelta(minutes=3))
    queue.start(supervisor, serving.id, now - timedelta(minutes=2))
    return finished


def rate_badly(db: Database, finished: datetime) -> None:
    """The service window 1 ``finished``, rated 不满意 on its pad (a follow-up opens)."""
    settings = Settings()
    ratings = RatingsService(db, CalendarService(db, settings.working_hours), settings)
    rated = finished + timedelta(minutes=1)
    request = ratings.next_for_window("1", rated)
    assert request is not None, "no service to rate at window 1"
    scores = Scores(Level.DISSATISFIED, Level.BASIC, None, Level.DISSATISFIED, "等候时间太长")
    ratings.rate(request.id, scores, Channel.PAD, rated)


def visit_draft(db: Database, now: datetime) -> CaseDraft:
    """王强's visit to an enterprise yesterday, its pre-review and the draft for the hall."""
    specialist = sign_in(db, "wangqiang", DEMO_PASSWORD, "1", now)
    visits = VisitsService(db, CatalogService(db), Settings())
    form = VisitForm(
        uscc=USCC, enterprise_name="示范科技有限公司", address="示范市高新区创业路 8 号",
        contact="张三", contact_phone="13812345678", visited_on=now.date() - timedelta(days=1),
        place="企业会议室", purpose="企业开办预审", items=(BUNDLE,), notes="材料基本齐全",
    )  # fmt: skip
    visit = visits.save_visit(specialist, form, now)
    intake, _ = services(db)
    review = visits.prereview(specialist, visit.id, BUNDLE, received(intake, BUNDLE), now)
    auth = visits.authorise(
        specialist,
        visit.id,
        AuthorisationForm("李四", AGENT_ID, (BUNDLE,), date(now.year, 12, 31)),
        now,
    )
    applicant = DraftApplicant(USCC, "示范科技有限公司", "张三", "13812345678")
    return visits.make_draft(specialist, review.id, applicant, now, auth.id)


def a_morning(db: Database, now: datetime) -> Morning:
    """The demo store (counter.services.bootstrap.prepare_store) at ``now``, mid-morning."""
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    rate_badly(db, queue_morning(db, supervisor, clerk, now))
    intake, _ = services(db)
    earlier = now - timedelta(minutes=50)
    accepted = intake.decide(
        clerk, IntakeRequest(BUNDLE, company(), received(intake, BUNDLE), Decision.ACCEPT), earlier
    )
    person = ApplicantForm(ApplicantKind.PERSON, AGENT_ID, "王五", "13912345678")
    supplement = intake.decide(
        clerk,
        IntakeRequest("SCJG-0002", person, received(intake, "SCJG-0002", 2), Decision.SUPPLEMENT),
        earlier + timedelta(minutes=20),
    )
    prints = PrintService(db, Settings())
    for result in (accepted, supplement):
        if result.notice is not None:
            kind = payloads.notice_kind(result.notice)
            payload = payloads.notice(result.notice, 80)
            prints.submit(clerk, kind, payload, result.case.number, now)
    with immediate(db):  # the east kiosk's printer ran out of paper a few minutes ago
        missed = MissedTicket("kiosk-job-1", "A009", "东门取号机", "小票打印机缺纸", now)
        print_store.record_missed(db, replace(missed, at=now - timedelta(minutes=4)), now)
    drafts = (visit_draft(db, now),)
    _, _, warnings = check_applicant(
        ApplicantForm(ApplicantKind.PERSON, HENGYANG_ID, "刘衡阳", "13812345678"), now.date()
    )
    return Morning(supervisor, clerk, accepted, supplement, drafts, tuple(warnings))
