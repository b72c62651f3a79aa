"""SIGKILL during intake, printing and sync, 30 times: nothing half-written, nothing lost.

The loop and its checks live in benchmarks/bench_crash.py, which runs it longer and
prints the count (``python -m benchmarks.bench_crash 300``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_crash import crash_loop


@pytest.mark.slow
def test_thirty_kills_leave_a_whole_store_with_nothing_lost(tmp_path: Path) -> None:
    result = crash_loop(30, tmp_path, seed=9)
    assert result.problems == []
    assert result.survived == 30
    assert result.cases and result.jobs and result.last_seq > 0
