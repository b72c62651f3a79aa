"""A 20-second soak against a real central on PostgreSQL: every sync invariant holds.

The full 10-minute run, with its memory figures, is ``python -m benchmarks.bench_soak``.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_soak import soak


@pytest.mark.slow
def test_a_short_soak_with_restarts_and_dropped_answers_ends_consistent() -> None:
    totals = soak(minutes=20 / 60, kind="postgres", restart_every=6)
    assert totals.violations == []
    assert totals.ops > 1000 and totals.restarts >= 2 and totals.dropped > 0
