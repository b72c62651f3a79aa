"""How concurrent changes to one row meet (counter.model.merge)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from counter.model.clock import Hlc, version
from counter.model.merge import Outcome, Policy, changed_fields, merge, same

CASE = {"id": "c1", "state": "已受理", "note": "", "phone": "1", "updated_at": "2026-12-01T09:00"}


def test_a_change_to_the_row_as_the_device_saw_it_is_applied_as_sent() -> None:
    pushed = {**CASE, "state": "办理中", "updated_at": "2026-12-01T10:00"}
    done = merge(Policy.CASE, CASE, pushed, changed_fields(CASE, pushed), pushed_newer=True)
    assert done.outcome is Outcome.APPLIED and done.row == pushed and not done.clashes


def test_changes_of_different_fields_merge_whoever_is_newer() -> None:
    theirs = {**CASE, "note": "对方备注", "updated_at": "2026-12-01T10:00"}
    mine = {**CASE, "phone": "2", "updated_at": "2026-12-01T09:30"}
    for newer in (True, False):
        done = merge(Policy.FIELDS, theirs, mine, changed_fields(CASE, mine), newer)
        assert done.outcome is Outcome.MERGED
        assert done.row == {
            **CASE,
            "note": "对方备注",
            "phone": "2",
            "updated_at": "2026-12-01T10:00",
        }


def test_the_same_field_changed_by_both_is_a_clash_the_newer_kept_and_the_other_listed() -> None:
    theirs = {**CASE, "phone": "3"}
    mine = {**CASE, "phone": "2"}
    won = merge(Policy.FIELDS, theirs, mine, changed_fields(CASE, mine), pushed_newer=True)
    assert won.outcome is Outcome.CONFLICT and won.pushed_kept
    assert won.row["phone"] == "2"
    assert [(c.field, c.kept, c.lost) for c in won.clashes] == [("phone", "2", "3")]
    lost = merge(Policy.FIELDS, theirs, mine, changed_fields(CASE, mine), pushed_newer=False)
    assert lost.row["phone"] == "3"
    assert [(c.field, c.kept, c.lost) for c in lost.clashes] == [("phone", "3", "2")]


def test_two_decisions_on_one_case_keep_the_first_whole_and_list_the_second() -> None:
    approved = {**CASE, "state": "办结（准予）", "note": "准予"}
    terminated = {**CASE, "state": "终止", "note": "撤回", "phone": "9"}
    done = merge(
        Policy.CASE, approved, terminated, changed_fields(CASE, terminated), pushed_newer=True
    )
    assert done.outcome is Outcome.CONFLICT and not done.pushed_kept
    assert done.row == approved  # none of the other decision's fields either
    assert {c.field: (c.kept, c.lost) for c in done.clashes} == {
        "state": ("办结（准予）", "终止"),
        "note": ("准予", "撤回"),
        "phone": ("1", "9"),
    }


def test_the_store_s_own_touch_time_is_never_a_clash() -> None:
    theirs = {**CASE, "note": "x", "updated_at": "2026-12-01T10:00"}
    mine = {**CASE, "phone": "2", "updated_at": "2026-12-01T11:00"}
    done = merge(Policy.FIELDS, theirs, mine, changed_fields(CASE, mine), pushed_newer=False)
    assert done.outcome is Outcome.MERGED and done.row["updated_at"] == "2026-12-01T11:00"


def test_a_row_two_devices_made_without_seeing_each_other_lists_where_they_differ() -> None:
    theirs = {"day": "2031-10-01", "kind": "holiday", "name": "国庆"}
    mine = {"day": "2031-10-01", "kind": "holiday", "name": "国庆节"}
    done = merge(Policy.FIELDS, theirs, mine, changed_fields({}, mine), pushed_newer=True)
    assert done.outcome is Outcome.CONFLICT
    assert [c.field for c in done.clashes] == ["name"] and done.row["name"] == "国庆节"


def test_json_text_and_the_same_list_are_the_same_value() -> None:
    assert same('["a", "b"]', ["a", "b"]) and same(True, 1) and not same("1", 1)
    assert changed_fields({"asked_by": '["x"]'}, {"asked_by": ["x"]}) == {}


def test_a_version_breaks_a_tie_of_clocks_by_device() -> None:
    reading = Hlc(1_700_000_000_000, 3).encode()
    assert version(reading, "aaa") < version(reading, "bbb")
    assert reading < version(reading, "aaa")  # a bare reading from before versions
    assert Hlc.decode(version(reading, "bbb")) == Hlc(1_700_000_000_000, 3)


fields = st.dictionaries(st.sampled_from("abcd"), st.integers(0, 3), min_size=4, max_size=4)


@given(fields, fields, fields, st.booleans())
def test_merging_never_loses_a_change_without_listing_it(
    base_row: dict[str, int], theirs: dict[str, int], mine: dict[str, int], newer: bool
) -> None:
    """Every field the pushed change set ends either in the row or in a clash."""
    done = merge(Policy.FIELDS, theirs, mine, changed_fields(base_row, mine), newer)
    listed = {c.field: c for c in done.clashes}
    for name in changed_fields(base_row, mine):
        assert done.row[name] == mine[name] or name in listed, name
        if name in listed:
            assert {listed[name].kept, listed[name].lost} == {mine[name], theirs[name]}
    for name, value in theirs.items():
        if name not in changed_fields(base_row, mine) and value != base_row.get(name):
            assert done.row[name] == value  # what the others changed stays
