"""A 20-second soak against a real central on PostgreSQL: every sync invariant holds.

The full 10-minute run, with its memory figures, is ``python -m benchmarks.bench_soak``.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_soak import soak


@pytest.mark.slow
def test_a_short_soak_with_restarts_skewed_clocks_and_dropped_answers_ends_consistent() -> None:
    """Counted, not timed: 5 counters × 400 edits, 2 central SIGKILLs, at least one
    dropped answer per counter, one clock 10 min slow and one an hour fast then put
    right — however fast this machine is."""
    totals = soak(minutes=20 / 60, kind="postgres", restarts=2)
    assert totals.violations == []
    assert totals.ops == 5 * 400 and totals.restarts == 2 and totals.dropped >= 5
