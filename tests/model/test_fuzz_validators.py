"""Hypothesis on every validator and parser: bad input is refused with a ValidationError
(a field and a Chinese message for the person), never an unexpected exception.

Run with ``--hypothesis-show-statistics`` to see how many examples each property tried.
"""

from __future__ import annotations

import string
from datetime import date
from typing import Any

import stdnum.cn.ric
import stdnum.cn.uscc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from counter.assets import demo_catalog_text
from counter.model.cases import CaseNumberPattern
from counter.model.catalog_file import parse_catalog
from counter.model.errors import CounterError, ValidationError
from counter.model.giftpack import parse_contents
from counter.model.holiday_file import parse_holiday_file
from counter.model.identity import (
    check_mobile,
    check_resident_id,
    check_uscc,
    mask_id,
    mask_phone,
)
from counter.model.print_target import parse_target
from counter.model.settings import SETTINGS, Settings
from counter.model.staff import check_login, check_window

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 11, 27)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
text = st.text(max_size=60)
near_ids = st.text(alphabet="0123456789Xx -", min_size=15, max_size=20)


def refused_cleanly(func: Any, *args: Any) -> Any:
    """Call; a refusal must be one of ours (CounterError), never a crash."""
    try:
        return func(*args)
    except CounterError:
        return None


@FUZZ
@given(st.one_of(text, st.text(alphabet=USCC_ALPHABET, min_size=16, max_size=20)))
def test_uscc_check_never_crashes(value: str) -> None:
    result = check_uscc(value)
    assert isinstance(result.errors, tuple)


@FUZZ
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_every_code_with_its_computed_check_character_passes(body: str) -> None:
    code = body + stdnum.cn.uscc.calc_check_digit(body)
    assert check_uscc(code).errors == ()


@FUZZ
@given(st.one_of(text, near_ids))
def test_resident_id_check_never_crashes(value: str) -> None:
    check_resident_id(value, TODAY)


@FUZZ
@given(st.dates(date(1900, 1, 1), date(2026, 11, 26)), st.integers(0, 999))
def test_a_real_birth_date_with_its_check_digit_passes(born: date, seq: int) -> None:
    body = f"110101{born:%Y%m%d}{seq:03d}"
    number = body + stdnum.cn.ric.calc_check_digit(body + "0")
    assert check_resident_id(number, TODAY).errors == ()


@FUZZ
@given(st.one_of(text, st.text(alphabet="0123456789+- ", max_size=16)))
def test_mobile_check_never_crashes(value: str) -> None:
    check_mobile(value)


@FUZZ
@given(st.text(alphabet=string.digits, min_size=11, max_size=18))
def test_masks_never_show_the_middle(value: str) -> None:
    masked_id, masked_phone = mask_id(value), mask_phone(value)
    assert set(masked_id[6:-4]) <= {"*"} and masked_id[-4:] == value[-4:]
    assert set(masked_phone[3:-4]) <= {"*"} and masked_phone[-4:] == value[-4:]


@FUZZ
@given(text)
@example("[[items]]\ncode = 1")
@example('[meta]\nversion = "x"\n[[items]]\nlegal_days = "a"')
@example("[meta]\nversion = []")
def test_catalog_file_parser_refuses_cleanly(value: str) -> None:
    refused_cleanly(parse_catalog, value)


def _mutations() -> st.SearchStrategy[str]:
    demo = demo_catalog_text()
    lines = demo.splitlines()
    return st.builds(
        lambda i, repl: "\n".join([*lines[:i], repl, *lines[i + 1:]]),
        st.integers(0, len(lines) - 1),
        st.sampled_from(['code = ""', "legal_days = -1", "promised_days = 0.25", 'x = "y"',
                         "materials = [{}]", "[[items]]", 'ref = "NOPE"', "copies = true",
                         "required = 3", "status = \"gone\"", "fee = \"free\"", ""]),
    )  # fmt: skip


@FUZZ
@given(_mutations())
def test_a_mutated_demo_catalog_is_parsed_or_refused_cleanly(value: str) -> None:
    refused_cleanly(parse_catalog, value)


holiday_lines = st.lists(
    st.builds(
        lambda d, k, n: f"{d},{k},{n}",
        st.one_of(st.dates().map(str), text),
        st.sampled_from(["holiday", "workday", "放假", "上班", "x", ""]),
        st.text(max_size=8),
    ),
    max_size=8,
).map("\n".join)


@FUZZ
@given(st.one_of(text, holiday_lines))
def test_holiday_file_parser_refuses_cleanly(value: str) -> None:
    refused_cleanly(parse_holiday_file, value)


json_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text,
    st.lists(st.integers(), max_size=3), st.dictionaries(text, st.integers(), max_size=2),
)  # fmt: skip


@FUZZ
@given(st.sampled_from([s.key for s in SETTINGS]), json_values)
def test_each_setting_refuses_a_bad_value_at_its_own_field(key: str, value: Any) -> None:
    try:
        Settings({key: value})
    except ValidationError as exc:
        assert exc.field == key and exc.message


@FUZZ
@given(st.dictionaries(text, json_values, max_size=3))
def test_unknown_settings_are_refused_by_name(values: dict[str, Any]) -> None:
    refused_cleanly(Settings, values)


@FUZZ
@given(text)
def test_staff_login_and_window_checks_refuse_cleanly(value: str) -> None:
    refused_cleanly(check_login, value)
    refused_cleanly(check_window, value)


@FUZZ
@given(text)
def test_printer_targets_case_patterns_and_giftpack_files_refuse_cleanly(value: str) -> None:
    try:
        parse_target(value)
    except ValueError as exc:  # the settings turn it into the field's ValidationError
        assert str(exc)
    refused_cleanly(CaseNumberPattern.parse, value)
    refused_cleanly(parse_contents, value)


def test_a_superscript_digit_window_is_refused_at_its_field() -> None:
    """Found by fuzzing: '²' passed str.isdigit() and then crashed int()."""
    try:
        check_window("²")
    except ValidationError as exc:
        assert exc.field == "window"
    else:
        raise AssertionError("accepted '²' as a window number")
