"""好差评 and follow-ups: rate a service, default the unrated, open and work follow-ups.

The rating pad (``counter --rate``) is a station with no signed-in staff: it may only
rate the services of its own window, newest first. Everything that shows who rated —
the follow-up list, a rating's rater — needs the supervisor (docs/domain.md: never show the
rater to third parties).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlite_utils import Database

from counter.model.errors import NotFoundError, ValidationError
from counter.model.followups import (
    DeadlineRules,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    Matter,
    Note,
    Step,
    apply_step,
    check_matter,
    deadlines_for,
    sort_for_supervisor,
)
from counter.model.ratings import (
    Channel,
    Rating,
    RatingRequest,
    Scores,
    bad_review_followup,
    check_can_rate,
    check_scores,
    default_rating,
    followup_rules,
    make_rating,
    rating_id,
)
from counter.model.settings import Settings
from counter.services import roles
from counter.services.calendar_service import CalendarService
from counter.services.intake_service import new_id
from counter.services.session import Session
from counter.store import ratings_store
from counter.store.db import immediate

#: How long after a service the pad still offers it (the applicant is still there).
PAD_MINUTES = 30
LOOKBACK_DAYS = 31
REGISTER_ROLES = roles.HALL_STAFF
REGISTER_KINDS = (FollowUpKind.CANNOT_DO, FollowUpKind.ENTERPRISE, FollowUpKind.RECEPTION)


def deadline_rules(settings: Settings) -> DeadlineRules:
    return followup_rules(settings)


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    followup: FollowUp | None


class RatingsService:
    def __init__(self, db: Database, calendar: CalendarService, settings: Settings) -> None:
        self.db = db
        self.calendar = calendar
        self.settings = settings

    @property
    def default_days(self) -> int:
        return int(self.settings["rating_default_days"])

    @property
    def rules(self) -> DeadlineRules:
        return deadline_rules(self.settings)

    # --- what can be rated ------------------------------------------------------------

    def _since(self, now: datetime) -> datetime:
        """The rating period with a month to spare, so a service that ended while no
        counter looked still gets its default."""
        return now - timedelta(days=self.default_days + LOOKBACK_DAYS)

    def refresh(self, now: datetime) -> None:
        """Pick up services finished since the rating period began."""
        ratings_store.materialise_requests(self.db, self._since(now))

    def next_for_window(self, window: str, now: datetime) -> RatingRequest | None:
        """What the pad at ``window`` offers: the newest unrated service of the last
        :data:`PAD_MINUTES` minutes."""
        ratings_store.materialise_requests(self.db, now - timedelta(minutes=PAD_MINUTES))
        found = ratings_store.unrated_at_window(
            self.db, window, now - timedelta(minutes=PAD_MINUTES)
        )
        return found[0] if found else None

    # --- rating -------------------------------------------------------------------------

    def rate(
        self, request_id: str, scores: Scores, channel: Channel, now: datetime
    ) -> RatingOutcome:
        """One rating for one service; a bad one opens its follow-up in the same step."""
        if channel is Channel.DEFAULT:
            raise ValueError("default ratings are made by apply_defaults()")
        scores = check_scores(scores, channel)
        with immediate(self.db):
            found = ratings_store.request(self.db, request_id)
            if found is None:
                raise NotFoundError("没有这次服务的记录，无法评价")
            check_can_rate(
                found, ratings_store.rating_for(self.db, found.id), now, self.default_days
            )
            # The service's one rating id: the phone may rate it through the central
            # while this counter is offline; the central keeps one (docs/security.md).
            rating = make_rating(rating_id(found.id), found, scores, channel, now)
            ratings_store.insert_rating(self.db, rating, now)
            followup = self._open_followup(rating, now) if rating.level.bad else None
        return RatingOutcome(rating, followup)

    def rate_case(
        self, session: Session, number: str, scores: Scores, channel: Channel, now: datetime
    ) -> RatingOutcome:
        """A rating that came by hotline or QR, entered against the case number."""
        session.require(*roles.SUPERVISORS)
        number = number.strip()
        if not number:
            raise ValidationError("case_number", "请输入办件编号")
        self.refresh(now)
        found = [
            r
            for r in ratings_store.requests_for_reference(self.db, number)
            if r.kind.value == "case"
        ]
        if not found:
            raise NotFoundError(f"没有编号为 {number} 的已出件办件，无法评价")
        return self.rate(found[0].id, scores, channel, now)

    def apply_defaults(self, now: datetime) -> int:
        """Services unrated for the whole period count as 基本满意 (one rating each)."""
        self.refresh(now)
        cutoff = now - timedelta(days=self.default_days)
        count = 0
        with immediate(self.db):
            for found in ratings_store.unrated_between(self.db, self._since(now), cutoff):
                # The service's one id: two counters holding the same service make the
                # same default, and a rating by phone that arrives later replaces it.
                rating = default_rating(rating_id(found.id), found, self.default_days)
                ratings_store.insert_rating(self.db, rating, now)
                count += 1
        return count

    def _open_followup(self, rating: Rating, now: datetime) -> FollowUp:
        due = deadlines_for(
            FollowUpKind.BAD_REVIEW, now, self.rules, self.calendar.calendar, self.calendar.hours
        )
        followup = bad_review_followup(rating, now, due)
        ratings_store.save_followup(self.db, followup, now)
        return followup

    # --- follow-ups ------------------------------------------------------------------------

    def register(self, session: Session, matter: Matter, now: datetime) -> FollowUp:
        """Enter a 办不成事 matter, an enterprise complaint or a reception-day problem."""
        session.require(*REGISTER_ROLES)
        matter = check_matter(matter)
        due = deadlines_for(
            matter.kind,
            now,
            self.rules,
            self.calendar.calendar,
            self.calendar.hours,
            matter.due_days,
        )
        followup = FollowUp(
            id=new_id(now),
            kind=matter.kind,
            state=FollowUpState.OPEN,
            opened_at=now,
            who=matter.who,
            contact=matter.contact,
            matter=matter.matter,
            items=matter.items,
            why=matter.why,
            handler=matter.handler or session.staff.name,
            first_due=due.first,
            final_due=due.final,
            cases=matter.cases,
            window=session.window,
            clerk_id=session.staff.id,
            clerk_name=session.staff.name,
            due_provisional=due.provisional,
            staff_id=session.staff.id,
            staff_name=session.staff.name,
            updated_at=now,
        )
        with immediate(self.db):
            ratings_store.save_followup(self.db, followup, now)
        return followup

    def followups(
        self, session: Session, kinds: tuple[FollowUpKind, ...], now: datetime
    ) -> list[FollowUp]:
        """The supervisor's list, sorted by the deadline that matters now."""
        session.require(*REGISTER_ROLES)
        if FollowUpKind.BAD_REVIEW in kinds:
            session.require(*roles.SUPERVISORS)
        return sort_for_supervisor(ratings_store.followups(self.db, kinds))

    def notes(self, session: Session, followup_id: str) -> list[Note]:
        session.require(*REGISTER_ROLES)
        return ratings_store.notes(self.db, followup_id)

    def step(
        self,
        session: Session,
        followup_id: str,
        step: Step,
        note: str,
        now: datetime,
        *,
        outcome: str = "",
        handler: str = "",
    ) -> FollowUp:
        """Record a call-back, a fix, an appeal and its review, or the outcome; with a note."""
        session.require(*REGISTER_ROLES)
        if step in (Step.UPHOLD, Step.REJECT_APPEAL):
            session.require(*roles.SUPERVISORS)
        with immediate(self.db):
            current = ratings_store.followup(self.db, followup_id)
            if current is None:
                raise NotFoundError("没有这条跟进记录")
            if current.kind is FollowUpKind.BAD_REVIEW:
                session.require(*roles.SUPERVISORS)
            changed = apply_step(current, step, note, now, outcome=outcome)
            if handler.strip():
                changed = replace(changed, handler=handler.strip())
            ratings_store.save_followup(self.db, changed, now)
            ratings_store.add_note(
                self.db,
                Note(
                    id=new_id(now),
                    followup_id=current.id,
                    at=now,
                    step=step,
                    from_state=current.state,
                    to_state=changed.state,
                    text=note.strip(),
                    staff_id=session.staff.id,
                    staff_name=session.staff.name,
                ),
                now,
            )
        return changed

    def rating_of(self, session: Session, rating_id: str) -> Rating:
        """A rating with its rater, for the supervisor's call-back."""
        session.require(*roles.SUPERVISORS)
        found = ratings_store.rating_by_id(self.db, rating_id)
        if found is None:
            raise NotFoundError("没有这条评价")
        return found
