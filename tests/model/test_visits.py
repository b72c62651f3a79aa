from __future__ import annotations

from datetime import date, datetime

import pytest

from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.visits import (
    Authorisation,
    AuthorisationForm,
    VisitForm,
    check_authorisation,
    check_task,
    check_visit,
    default_task_due,
    default_valid_until,
    find_cover,
)
from counter.model.workdays import HolidayCalendar

TODAY = date(2026, 11, 27)
WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
USCC = "91350100M000100Y43"
AGENT = "11010519491231002X"


def form(**changes: object) -> VisitForm:
    values: dict[str, object] = {
        "uscc": USCC,
        "enterprise_name": "示范科技有限公司",
        "address": "示范市创业路 8 号",
        "contact": "张三",
        "contact_phone": "13812345678",
        "visited_on": date(2026, 11, 26),
        "place": "企业",
        "purpose": "企业开办预审",
        "items": ("yjs-qykb", "YJS-QYKB", " "),
    }
    values.update(changes)
    return VisitForm(**values)  # type: ignore[arg-type]


def auth(until: date = date(2026, 12, 31), scope: tuple[str, ...] = ("YJS-QYKB",)) -> Authorisation:
    return Authorisation("a1", USCC, "示范科技有限公司", "李四", AGENT, scope,
                         date(2026, 11, 1), until, "v1", WHEN)  # fmt: skip


def test_a_visit_normalises_its_items_once_each() -> None:
    assert check_visit(form(), TODAY).items == ("YJS-QYKB",)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"uscc": "9135010"}, "uscc"),
        ({"enterprise_name": "示范"}, "enterprise_name"),
        ({"contact_phone": "23812345678"}, "contact_phone"),
        ({"visited_on": date(2026, 11, 28)}, "visited_on"),
        ({"purpose": "  "}, "purpose"),
    ],
)
def test_a_bad_visit_field_is_refused_at_that_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_visit(form(**changes), TODAY)
    assert caught.value.field == field


def test_a_uscc_failing_its_checksum_is_kept_with_a_warning() -> None:
    checked = check_visit(form(uscc="91350100M000100Y44"), TODAY)
    assert checked.warnings and "校验码不符" in checked.warnings[0]


def test_a_task_cannot_be_due_before_the_visit() -> None:
    with pytest.raises(ValidationError, match="不能早于走访日期"):
        check_task("回访", date(2026, 11, 1), date(2026, 11, 26))


def test_a_task_is_due_the_next_working_day_after_the_visit_by_default() -> None:
    weekends = HolidayCalendar.weekends_only()
    assert default_task_due(date(2026, 11, 26), weekends) == date(2026, 11, 27)  # Thu → Fri
    assert default_task_due(TODAY, weekends) == date(2026, 11, 30)  # Fri → Mon
    new_year = HolidayCalendar.from_rows([(date(2027, 1, 1), "holiday")], [2027])
    assert default_task_due(date(2026, 12, 31), new_year) == date(2027, 1, 4)


def test_an_authorisation_runs_a_month_by_default() -> None:
    assert default_valid_until(TODAY) == date(2026, 12, 27)


def test_an_authorisation_needs_a_valid_agent_id() -> None:
    with pytest.raises(ValidationError) as caught:
        check_authorisation(
            AuthorisationForm("李四", "110105194912310021", ("YJS-QYKB",), date(2026, 12, 1)),
            TODAY,
            "示范科技有限公司",
        )
    assert caught.value.field == "agent_id"


def test_an_expired_authorisation_says_when_it_ended() -> None:
    with pytest.raises(NotAllowedError, match="已于 2026-11-20 到期"):
        auth(until=date(2026, 11, 20)).check_covers("YJS-QYKB", TODAY)


def test_an_authorisation_not_covering_the_item_names_what_it_covers() -> None:
    with pytest.raises(NotAllowedError, match=r"不包括“企业开办”.*SCJG-0002"):
        auth(scope=("SCJG-0002",)).check_covers("YJS-QYKB", TODAY, {"YJS-QYKB": "企业开办"})


def test_of_several_authorisations_the_covering_one_is_found() -> None:
    old = auth(until=date(2026, 11, 20))
    good = auth()
    assert find_cover([old, good], AGENT, "YJS-QYKB", TODAY) is good
    with pytest.raises(NotAllowedError, match="没有查到此人的代办委托"):
        find_cover([good], "110101198001010010", "YJS-QYKB", TODAY)
