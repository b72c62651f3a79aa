"""好差评 flows: one rating per service, the 7-day default, bad reviews and follow-ups."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.cases import Action, Delivery
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.followups import FollowUpKind, FollowUpState, Matter, Step
from counter.model.intake import Decision
from counter.model.ratings import Channel, Level, Scores
from counter.model.settings import Settings
from counter.model.workdays import add_working_days
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.queue_service import LocalQueue
from counter.services.ratings_service import RatingsService
from counter.services.session import Session, sign_in
from tests.materials import originals
from tests.services.test_cases_service import form


@pytest.fixture
def calendar(db: Database) -> CalendarService:
    return CalendarService(db, Settings().working_hours)


@pytest.fixture
def ratings(db: Database, calendar: CalendarService) -> RatingsService:
    return RatingsService(db, calendar, Settings())


def serve_ticket(db: Database, clerk: Session, now: datetime) -> str:
    queue = LocalQueue(db)
    queue.issue("A", now, person_name="王五")
    ticket = queue.call_next(clerk, now + timedelta(minutes=5))
    queue.start(clerk, ticket.id, now + timedelta(minutes=6))
    queue.finish(clerk, ticket.id, ["设立登记"], now + timedelta(minutes=20))
    return ticket.number


def hand_over_case(db: Database, clerk: Session, now: datetime) -> str:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    cases = CasesService(db, intake, calendar, settings)
    states = originals(intake.checklist("SCJG-0002"))
    case = intake.decide(clerk, IntakeRequest("SCJG-0002", form(), states, Decision.ACCEPT), now)
    cases.act(clerk, case.case.id, Action.START, now)
    cases.act(clerk, case.case.id, Action.APPROVE, now)
    cases.act(clerk, case.case.id, Action.DELIVER, now, delivery=Delivery.PICKUP,
              recipient_name="张三", recipient_id="11010519491231002X")  # fmt: skip
    return case.case.number


def test_the_pad_offers_the_service_just_finished_at_its_window(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    number = serve_ticket(db, clerk, now)
    found = ratings.next_for_window("3", now + timedelta(minutes=21))
    assert found is not None and found.reference == number
    assert found.clerk_name == "李娜" and "设立登记" in found.what()
    assert "王五" not in found.what()


def test_the_pad_offers_nothing_at_another_window(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    assert ratings.next_for_window("5", now + timedelta(minutes=21)) is None


def test_a_rated_service_leaves_the_pad(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    outcome = ratings.rate(found.id, Scores(Level.VERY_SATISFIED), Channel.PAD, later)
    assert outcome.followup is None
    assert ratings.next_for_window("3", later) is None


def test_a_second_rating_of_one_service_is_refused(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    ratings.rate(found.id, Scores(Level.SATISFIED), Channel.PAD, later)
    with pytest.raises(NotAllowedError, match="已经评价过"):
        ratings.rate(found.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, later)
    assert db.execute("SELECT count(*) FROM ratings").fetchone()[0] == 1


def test_a_rating_travels_through_the_outbox(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    ratings.rate(found.id, Scores(Level.SATISFIED), Channel.PAD, later)
    tables = [r[0] for r in db.execute("SELECT table_name FROM outbox ORDER BY seq")]
    assert tables[-1] == "ratings"


def test_an_unrated_service_counts_as_basic_after_seven_days(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    assert ratings.apply_defaults(now + timedelta(days=6)) == 0
    assert ratings.apply_defaults(now + timedelta(days=7, minutes=21)) == 1
    level, channel = db.execute("SELECT level, channel FROM ratings").fetchone()
    assert (level, channel) == (3, "默认评价")


def test_the_default_period_is_configurable(
    db: Database, calendar: CalendarService, clerk: Session, now: datetime
) -> None:
    ratings = RatingsService(db, calendar, Settings({"rating_default_days": 3}))
    serve_ticket(db, clerk, now)
    assert ratings.apply_defaults(now + timedelta(days=3, minutes=21)) == 1


def test_defaults_are_made_once(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    ratings.apply_defaults(now + timedelta(days=8))
    assert ratings.apply_defaults(now + timedelta(days=9)) == 0


def test_rating_after_the_default_is_refused(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    ratings.apply_defaults(now + timedelta(days=8))
    request_id = db.execute("SELECT id FROM rating_requests").fetchone()[0]
    with pytest.raises(NotAllowedError, match="基本满意"):
        ratings.rate(request_id, Scores(Level.SATISFIED), Channel.QR, now + timedelta(days=8))


def test_a_handed_over_case_is_rated_by_its_number(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    number = hand_over_case(db, clerk, now)
    outcome = ratings.rate_case(supervisor, number, Scores(Level.SATISFIED), Channel.QR, now)
    assert outcome.rating.case_number == number
    assert outcome.rating.kind.value == "case"


def test_rating_an_unknown_case_is_refused(
    ratings: RatingsService, supervisor: Session, now: datetime
) -> None:
    with pytest.raises(NotFoundError, match="没有编号"):
        ratings.rate_case(supervisor, "NO-SUCH-1", Scores(Level.SATISFIED), Channel.QR, now)


def test_rating_an_already_rated_case_is_refused(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    number = hand_over_case(db, clerk, now)
    ratings.rate_case(supervisor, number, Scores(Level.SATISFIED), Channel.QR, now)
    with pytest.raises(NotAllowedError, match="已经评价过"):
        ratings.rate_case(supervisor, number, Scores(Level.BASIC), Channel.HOTLINE, now)


def test_online_ratings_carry_no_sub_ratings(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    number = hand_over_case(db, clerk, now)
    with pytest.raises(ValidationError) as err:
        ratings.rate_case(
            supervisor, number, Scores(Level.BASIC, skill=Level.BASIC), Channel.WEB, now
        )
    assert err.value.field == "efficiency"


def test_a_bad_review_opens_a_follow_up_with_working_day_deadlines(
    db: Database,
    ratings: RatingsService,
    calendar: CalendarService,
    clerk: Session,
    now: datetime,
) -> None:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    scores = Scores(Level.DISSATISFIED, comment="等太久")
    followup = ratings.rate(found.id, scores, Channel.PAD, later).followup
    assert followup is not None
    assert followup.state is FollowUpState.CALLBACK
    assert followup.first_due == add_working_days(later, 1, calendar.calendar).due
    assert followup.final_due == add_working_days(later, 15, calendar.calendar).due
    # 2026-11-27 is a Friday: the call-back is due on Monday, the fix three weeks on.
    assert followup.first_due is not None and followup.first_due.date().isoformat() == "2026-11-30"
    assert followup.final_due.date().isoformat() == "2026-12-18"


def test_a_good_review_opens_no_follow_up(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    ratings.rate(found.id, Scores(Level.BASIC), Channel.PAD, later)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0


def bad_followup(db: Database, ratings: RatingsService, clerk: Session, now: datetime) -> str:
    serve_ticket(db, clerk, now)
    later = now + timedelta(minutes=21)
    found = ratings.next_for_window("3", later)
    assert found is not None
    outcome = ratings.rate(found.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, later)
    assert outcome.followup is not None
    return outcome.followup.id


def test_a_follow_up_closed_without_a_note_is_refused(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    fid = bad_followup(db, ratings, clerk, now)
    with pytest.raises(ValidationError) as err:
        ratings.step(supervisor, fid, Step.FIXED, "  ", now)
    assert err.value.field == "note"


def test_a_follow_up_moves_from_call_back_to_fixed_with_notes(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    fid = bad_followup(db, ratings, clerk, now)
    called = ratings.step(supervisor, fid, Step.CALLED_BACK, "已电话回访，致歉", now)
    assert called.state is FollowUpState.FIXING and called.first_done_at == now
    fixed = ratings.step(supervisor, fid, Step.FIXED, "增开窗口", now + timedelta(days=2))
    assert fixed.state is FollowUpState.FIXED and fixed.outcome == "增开窗口"
    assert [n.step for n in ratings.notes(supervisor, fid)] == [Step.CALLED_BACK, Step.FIXED]


def test_an_appeal_is_decided_by_the_supervisor(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    fid = bad_followup(db, ratings, clerk, now)
    ratings.step(supervisor, fid, Step.APPEAL, "评价人误操作", now)
    upheld = ratings.step(supervisor, fid, Step.UPHOLD, "核实为误评", now)
    assert upheld.state is FollowUpState.APPEAL_UPHELD and upheld.state.closed


def test_a_clerk_cannot_see_the_bad_review_list(
    db: Database, ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    bad_followup(db, ratings, clerk, now)
    with pytest.raises(NotAllowedError):
        ratings.followups(clerk, (FollowUpKind.BAD_REVIEW,), now)


def test_a_matter_that_could_not_be_done_is_registered(
    ratings: RatingsService, clerk: Session, supervisor: Session, calendar: CalendarService,
    now: datetime,
) -> None:  # fmt: skip
    matter = Matter(FollowUpKind.CANNOT_DO, "示范科技有限公司", "变更经营范围含前置许可",
                    items=("变更登记",), why="缺前置审批部门意见", cases=("C-1",))  # fmt: skip
    entered = ratings.register(clerk, matter, now)
    assert entered.state is FollowUpState.OPEN and entered.handler == "李娜"
    assert entered.final_due == add_working_days(now, 5, calendar.calendar).due
    listed = ratings.followups(supervisor, (FollowUpKind.CANNOT_DO,), now)
    assert [f.id for f in listed] == [entered.id]


def test_a_cannot_do_matter_needs_its_reason(ratings: RatingsService, clerk: Session,
                                             now: datetime) -> None:  # fmt: skip
    with pytest.raises(ValidationError) as err:
        ratings.register(clerk, Matter(FollowUpKind.CANNOT_DO, "张三", "办理某事"), now)
    assert err.value.field == "why"


def test_an_enterprise_complaint_is_answered_in_7_days_and_resolved_in_2_months(
    ratings: RatingsService, clerk: Session, now: datetime
) -> None:
    entered = ratings.register(clerk, Matter(FollowUpKind.ENTERPRISE, "示范科技", "审批慢"), now)
    assert entered.first_due == now + timedelta(days=7)
    assert entered.final_due == now.replace(year=2027, month=1)


def test_reply_deadline_on_a_holiday_moves_to_next_working_day(
    db: Database, ratings: RatingsService
) -> None:
    registered = datetime(2026, 9, 25, 10, 0, tzinfo=HALL_TZ)  # Friday; +7 days is 10-02, 国庆
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", registered)
    entered = ratings.register(
        clerk, Matter(FollowUpKind.ENTERPRISE, "示范科技", "审批慢"), registered
    )
    assert entered.first_due == datetime(2026, 10, 8, 10, 0, tzinfo=HALL_TZ)  # 国庆后首个工作日
    assert entered.final_due == datetime(2026, 11, 25, 10, 0, tzinfo=HALL_TZ)  # a Wednesday
    assert not entered.due_provisional


def test_the_supervisor_list_is_sorted_by_deadline(
    db: Database, ratings: RatingsService, clerk: Session, supervisor: Session, now: datetime
) -> None:
    slow = ratings.register(clerk, Matter(FollowUpKind.CANNOT_DO, "甲", "事一", why="因",
                                          due_days=10), now)  # fmt: skip
    soon = ratings.register(clerk, Matter(FollowUpKind.RECEPTION, "乙", "事二", due_days=1), now)
    kinds = (FollowUpKind.CANNOT_DO, FollowUpKind.RECEPTION)
    assert [f.id for f in ratings.followups(supervisor, kinds, now)] == [soon.id, slow.id]
