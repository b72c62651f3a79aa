from __future__ import annotations

from datetime import timedelta

from counter.model.print_job import backoff


def test_backoff_doubles_from_five_seconds_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in range(0, 5)] == [0, 5, 10, 20, 40]
    assert backoff(30) == timedelta(minutes=5)
