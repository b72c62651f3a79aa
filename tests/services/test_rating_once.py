"""One rating per service whoever makes it (扫码评价, issue 31): the pad at the window,
the phone through the central, the default after the period all give the service's
one rating id, so a rating the central publishes lands on the pad's own row instead of
beside it, and the hall's figures count the service once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database

from counter.model.cases import Action, Delivery
from counter.model.clock import HALL_TZ, Hlc
from counter.model.errors import NotAllowedError
from counter.model.followups import FollowUpKind, deadlines_for
from counter.model.intake import Decision
from counter.model.ratings import (
    Channel,
    Level,
    RatingRequest,
    Scores,
    bad_review_followup,
    followup_id,
    followup_payload,
    is_token,
    make_rating,
    rating_id,
    rating_payload,
)
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.ratings_service import RatingsService
from counter.services.session import Session, sign_in
from counter.store import ratings_store
from counter.sync.protocol import Change
from counter.sync.tables import REGISTRY, row_statement
from tests.materials import originals
from tests.services.test_cases_service import form
from tests.services.test_ratings_service import hand_over_case

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=HALL_TZ)


@pytest.fixture
def ratings(db: Database) -> RatingsService:
    return RatingsService(db, CalendarService(db, Settings().working_hours), Settings())


def handed_over(db: Database, ratings: RatingsService) -> RatingRequest:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", NOW)
    number = hand_over_case(db, clerk, NOW)
    ratings.refresh(NOW + timedelta(minutes=1))
    [request] = ratings_store.requests_for_reference(db, number)
    return request


def pulled(db: Database, table: str, row_id: str, payload: dict[str, object]) -> None:
    """A row the central published, written as the sync client writes a pulled change."""
    change = Change(
        cursor=1,
        table_name=table,
        row_id=row_id,
        kind="upsert",
        payload=payload,
        hlc=Hlc(int(NOW.timestamp() * 1000) + 3_600_000).encode(),
        origin="central",
    )
    columns = tuple(db[table].columns_dict)
    sql, args = row_statement(REGISTRY[table], change, columns)
    db.execute(sql, args)


def phone_rating(request: RatingRequest, level: Level, at: datetime) -> dict[str, object]:
    rating = make_rating(rating_id(request.id), request, Scores(level), Channel.QR, at)
    return rating_payload(rating, "dev-a")


def test_the_pad_and_the_default_use_the_services_one_rating_id(
    db: Database, ratings: RatingsService
) -> None:
    request = handed_over(db, ratings)
    pad = ratings.rate(request.id, Scores(Level.DISSATISFIED), Channel.PAD, NOW)
    assert pad.rating.id == rating_id(request.id) == f"rating:{request.id}"
    assert pad.followup is not None and pad.followup.id == followup_id(pad.rating.id)

    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", NOW)  # a second service, never rated
    number = hand_over_case(db, clerk, NOW)
    assert ratings.apply_defaults(NOW + timedelta(days=8)) == 1
    [later] = ratings_store.requests_for_reference(db, number)
    defaulted = ratings_store.rating_for(db, later.id)
    assert defaulted is not None and defaulted.id == rating_id(later.id)
    assert defaulted.channel is Channel.DEFAULT


def test_the_phones_rating_pulled_after_the_pads_leaves_one_rating(
    db: Database, ratings: RatingsService
) -> None:
    """The race: the pad rated offline; the central, which got the phone's first,
    publishes it; the counter's row becomes the phone's — one row, not two."""
    request = handed_over(db, ratings)
    ratings.rate(request.id, Scores(Level.VERY_SATISFIED), Channel.PAD, NOW)
    phone = phone_rating(request, Level.DISSATISFIED, NOW - timedelta(minutes=1))
    pulled(db, "ratings", str(phone["id"]), phone)
    rows = db.execute("SELECT id, channel, level FROM ratings").fetchall()
    assert rows == [(rating_id(request.id), "扫码", 2)]


def test_after_the_phones_rating_arrives_the_pad_and_the_default_leave_it_alone(
    db: Database, ratings: RatingsService
) -> None:
    request = handed_over(db, ratings)
    phone = phone_rating(request, Level.SATISFIED, NOW)
    pulled(db, "ratings", str(phone["id"]), phone)
    assert ratings.next_for_window("3", NOW + timedelta(minutes=2)) is None
    with pytest.raises(NotAllowedError, match="已经评价过了"):
        ratings.rate(request.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, NOW)
    assert ratings.apply_defaults(NOW + timedelta(days=8)) == 0
    assert db.execute("SELECT count(*) FROM ratings").fetchone() == (1,)


def test_a_bad_rating_pulled_with_its_follow_up_meets_the_pads_follow_up_as_one(
    db: Database, ratings: RatingsService
) -> None:
    """Both sides rated 差评: the central's follow-up has the pad's id, so the counter's
    unique follow-up per rating holds and the supervisor sees one."""
    request = handed_over(db, ratings)
    pad = ratings.rate(request.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, NOW)
    assert pad.followup is not None
    scores = Scores(Level.DISSATISFIED)
    rating = make_rating(rating_id(request.id), request, scores, Channel.QR, NOW)
    due = deadlines_for(
        FollowUpKind.BAD_REVIEW, NOW, ratings.rules, ratings.calendar.calendar,
        ratings.calendar.hours,
    )  # fmt: skip
    central = bad_review_followup(rating, NOW, due)
    pulled(db, "ratings", rating.id, rating_payload(rating, "dev-a"))
    pulled(db, "followups", central.id, followup_payload(central))
    assert db.execute("SELECT id, rating_id FROM followups").fetchall() == [
        (followup_id(rating.id), rating.id)
    ]


def _desk(db: Database, central_url: str) -> tuple[IntakeService, CasesService]:
    settings = Settings().changed(central_url=central_url)
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


def _deliver(cases: CasesService, clerk: Session, case_id: str) -> str:
    cases.act(clerk, case_id, Action.START, NOW)
    cases.act(clerk, case_id, Action.APPROVE, NOW)
    notice = cases.act(clerk, case_id, Action.DELIVER, NOW, delivery=Delivery.POST,
                       address="示范市人民路 100 号", waybill="SF1234567890")  # fmt: skip
    assert notice is not None
    return notice.rating_url


def test_the_hand_over_receipt_links_the_centrals_page_by_the_cases_own_token(
    db: Database,
) -> None:
    """The token is made when the case is taken in, on the whole case (一事一评), kept
    with the case, and a reprint carries the same link."""
    intake, cases = _desk(db, "https://10.0.0.5:8443")
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", NOW)
    states = originals(intake.checklist("YJS-QYKB"))
    taken = intake.decide(clerk, IntakeRequest("YJS-QYKB", form(), states, Decision.ACCEPT), NOW)
    assert is_token(taken.case.rating_token)
    assert taken.sub_cases and all(sub.rating_token == "" for sub in taken.sub_cases)
    link = _deliver(cases, clerk, taken.case.id)
    assert link == f"https://10.0.0.5:8443/rate/{taken.case.rating_token}"
    reprint = cases.notice(clerk, taken.case.id, NOW + timedelta(days=1))
    assert reprint.rating_url == link
    other = intake.decide(clerk, IntakeRequest("SCJG-0002", form(), originals(
        intake.checklist("SCJG-0002")), Decision.ACCEPT), NOW)  # fmt: skip
    assert other.case.rating_token != taken.case.rating_token


def test_a_counter_without_a_central_prints_no_rating_qr(db: Database) -> None:
    intake, cases = _desk(db, "")
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", NOW)
    states = originals(intake.checklist("SCJG-0002"))
    taken = intake.decide(clerk, IntakeRequest("SCJG-0002", form(), states, Decision.ACCEPT), NOW)
    assert _deliver(cases, clerk, taken.case.id) == ""
