from __future__ import annotations

from datetime import date, datetime

import pytest

from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.followups import (
    DeadlineRules,
    FollowUp,
    FollowUpKind,
    FollowUpState,
    Step,
    add_months,
    apply_step,
    deadlines_for,
    steps_allowed,
)
from counter.model.workdays import HolidayCalendar, WorkingHours

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


def bad(state: FollowUpState = FollowUpState.CALLBACK) -> FollowUp:
    return FollowUp("f", FollowUpKind.BAD_REVIEW, state, NOW, "王五", "", "太慢", (), "", "",
                    datetime(2026, 11, 30, 17, 30, tzinfo=HALL_TZ),
                    datetime(2026, 12, 18, 17, 30, tzinfo=HALL_TZ))  # fmt: skip


def test_two_months_from_the_31st_end_on_the_last_day() -> None:
    assert add_months(datetime(2026, 12, 31, tzinfo=HALL_TZ), 2).date().isoformat() == "2027-02-28"


def test_an_enterprise_deadline_on_a_rest_day_ends_on_the_next_working_day() -> None:
    national_day = frozenset(date(2026, 10, d) for d in range(1, 8))
    table = HolidayCalendar(national_day, frozenset({date(2026, 10, 10)}), frozenset({2026}))
    opened = datetime(2026, 9, 25, 16, 0, tzinfo=HALL_TZ)  # +7 days: 10-02, a holiday
    due = deadlines_for(FollowUpKind.ENTERPRISE, opened, DeadlineRules(), table, WorkingHours())
    assert due.first == datetime(2026, 10, 8, 16, 0, tzinfo=HALL_TZ)
    assert not due.provisional
    weekend = datetime(2026, 10, 3, 9, 0, tzinfo=HALL_TZ)  # +7 days: Saturday 10-10, 调休上班
    due = deadlines_for(FollowUpKind.ENTERPRISE, weekend, DeadlineRules(), table, WorkingHours())
    assert due.first == datetime(2026, 10, 10, 9, 0, tzinfo=HALL_TZ)
    late = datetime(2026, 12, 26, 9, 0, tzinfo=HALL_TZ)  # +7 days: Saturday 2027-01-02
    due = deadlines_for(FollowUpKind.ENTERPRISE, late, DeadlineRules(), table, WorkingHours())
    assert due.first == datetime(2027, 1, 4, 9, 0, tzinfo=HALL_TZ) and due.provisional


def test_the_call_back_deadline_matters_until_the_call_back() -> None:
    f = bad()
    assert f.next_due == f.first_due
    called = apply_step(f, Step.CALLED_BACK, "已回访", NOW)
    assert called.next_due == f.final_due


def test_fixed_at_once_closes_with_its_note_as_outcome() -> None:
    fixed = apply_step(bad(), Step.FIXED, "当场致歉并更正", NOW)
    assert fixed.state is FollowUpState.FIXED and fixed.outcome == "当场致歉并更正"
    assert fixed.next_due is None and fixed.light(NOW) is None


def test_an_appeal_cannot_be_decided_before_it_is_made() -> None:
    with pytest.raises(NotAllowedError):
        apply_step(bad(), Step.UPHOLD, "成立", NOW)


def test_a_rejected_appeal_still_needs_the_fix() -> None:
    assert Step.FIXED in steps_allowed(FollowUpState.APPEAL_REJECTED)
    assert not FollowUpState.APPEAL_REJECTED.closed


def test_closed_follow_ups_take_no_more_notes() -> None:
    with pytest.raises(NotAllowedError):
        apply_step(bad(FollowUpState.FIXED), Step.NOTE, "补充", NOW)


def test_a_blank_note_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        apply_step(bad(), Step.CALLED_BACK, "", NOW)
    assert err.value.field == "note"
