"""What 办件进度查询 shows of a case (counter.model.progress): the rules, without a page."""

from __future__ import annotations

from datetime import date

import pytest

from counter.model.errors import ValidationError
from counter.model.progress import check_query, holder_matches, progress, typed_case_number
from counter.model.workdays import HolidayCalendar

CASE = {
    "number": "SQ20261201-0001",
    "title": "食品经营许可（新办）",
    "state": "已受理",
    "applicant_name": "王小明",
    "applicant_id_number": "110101199003071234",
    "applicant_phone": "",
    "agent_id_number": "44010619800101567X",
    "window": "2",
    "promised_due": "2026-12-11T17:30:00+08:00",
}


def test_a_case_number_typed_full_width_or_with_a_long_dash_is_the_same_number() -> None:
    assert typed_case_number(" ｓｑ２０２６１２０１－０００１ ") == "SQ20261201-0001"
    assert typed_case_number("SQ20261201—0001\u200b") == "SQ20261201-0001"


def test_the_query_needs_a_number_and_exactly_four_digits_or_x() -> None:
    assert check_query("sq20261201-0001", "123x") == ("SQ20261201-0001", "123X")
    for number, last4, field in [("", "1234", "number"), ("办件", "1234", "number"),
                                 ("SQ20261201-0001", "12345", "last4"),
                                 ("SQ20261201-0001", "12-4", "last4")]:  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            check_query(number, last4)
        assert caught.value.field == field


def test_the_applicants_or_the_agents_id_number_opens_the_case_but_no_empty_phone() -> None:
    assert holder_matches(CASE, "1234")
    assert holder_matches(CASE, "567X")
    assert not holder_matches(CASE, "0000")
    assert not holder_matches(CASE | {"applicant_id_number": "123"}, "0123")


def test_days_left_are_working_days_and_a_passed_deadline_is_overdue() -> None:
    calendar = HolidayCalendar.weekends_only()
    friday = progress(CASE, [], [], calendar, date(2026, 12, 4))  # Fri → Fri next week
    assert friday.days_left == 5 and not friday.overdue
    on_the_day = progress(CASE, [], [], calendar, date(2026, 12, 11))
    assert on_the_day.days_left == 0
    late = progress(CASE, [], [], calendar, date(2026, 12, 14))
    assert late.overdue and late.days_left is None


def test_steps_are_in_order_in_the_applicants_words_and_internal_events_are_left_out() -> None:
    events = [
        {"action": "受理", "at": "2026-12-01T10:00:00+08:00"},
        {"action": "登记预审", "at": "2026-12-01T09:00:00+08:00"},
        {"action": "补打通知书", "at": "2026-12-01T11:00:00+08:00"},
        {"action": "不存在的动作", "at": "2026-12-01T11:00:00+08:00"},
    ]
    shown = progress(CASE, events, [], HolidayCalendar.weekends_only(), date(2026, 12, 4))
    assert [s.text for s in shown.steps] == ["收件预审", "已受理"]
    assert shown.applicant == "王*明"
