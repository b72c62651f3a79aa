from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.giftpack import DEFAULT_CONTENTS
from counter.model.giftpack_handover import (
    LineReadiness,
    check_lines_to_hand,
    check_recipient,
    mark,
    pack_lines,
)

LINES = pack_lines("case-1", DEFAULT_CONTENTS)


def test_line_ids_come_from_the_case_and_position_so_counters_agree() -> None:
    assert [line.id for line in LINES[:2]] == ["case-1:01", "case-1:02"]
    assert pack_lines("case-1", DEFAULT_CONTENTS) == LINES


def test_a_line_is_handed_over_only_through_a_handover() -> None:
    with pytest.raises(NotAllowedError, match="须通过领取登记"):
        mark(LINES[0], LineReadiness.HANDED)
    handed = replace(LINES[0], readiness=LineReadiness.HANDED)
    with pytest.raises(NotAllowedError, match="已领取"):
        mark(handed, LineReadiness.PENDING)


def test_only_lines_at_the_window_may_be_handed_over_in_position_order() -> None:
    ready = [mark(line, LineReadiness.AT_WINDOW) for line in LINES[:3]] + list(LINES[3:])
    picked = check_lines_to_hand(ready, [ready[2].id, ready[0].id])
    assert [line.position for line in picked] == [1, 3]
    with pytest.raises(NotAllowedError, match="尚未到窗口（待制作）"):
        check_lines_to_hand(ready, [ready[0].id, ready[4].id])
    with pytest.raises(ValidationError, match="请勾选"):
        check_lines_to_hand(ready, [])


def test_a_recipient_needs_a_valid_id() -> None:
    assert check_recipient(" 张三 ", "11010519491231002x", date(2026, 11, 27)) == (
        "张三",
        "11010519491231002X",
    )
    with pytest.raises(ValidationError) as caught:
        check_recipient("张三", "110105194912310021", date(2026, 11, 27))
    assert caught.value.field == "recipient_id"
