from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.ratings import (
    Channel,
    Level,
    RatingRequest,
    Scores,
    ServiceKind,
    check_can_rate,
    check_scores,
    default_rating,
)

SERVED = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
REQUEST = RatingRequest("case:1", ServiceKind.CASE, "C-1", "C-1", "X", "设立登记", "市场监管局",
                        "3", "s1", "李娜", SERVED, "王五", "13812345678")  # fmt: skip


def test_dissatisfied_and_worse_are_bad_reviews() -> None:
    assert [level.bad for level in Level] == [False, False, False, True, True]


def test_the_pad_text_names_the_service_not_the_rater() -> None:
    assert "C-1" in REQUEST.what() and "王五" not in REQUEST.what()


def test_a_long_comment_is_refused_at_the_comment() -> None:
    with pytest.raises(ValidationError) as err:
        check_scores(Scores(Level.BASIC, comment="好" * 301), Channel.PAD)
    assert err.value.field == "comment"


def test_offline_channels_take_sub_ratings() -> None:
    scores = Scores(Level.SATISFIED, efficiency=Level.BASIC, comment="  ok ")
    assert check_scores(scores, Channel.PAD).comment == "ok"


def test_rating_is_refused_once_the_period_has_passed() -> None:
    with pytest.raises(NotAllowedError, match="7 天"):
        check_can_rate(REQUEST, None, SERVED + timedelta(days=7), 7)


def test_the_default_is_basic_dated_when_the_period_closed() -> None:
    rating = default_rating("d", REQUEST, 7)
    assert rating.level is Level.BASIC and rating.channel is Channel.DEFAULT
    assert rating.rated_at == SERVED + timedelta(days=7)
