"""``python -m benchmarks.bench_store_size`` builds a standalone store through the
services, runs the upkeep past retention and prints bytes per 10k cases and tickets by
table (issue 32). Sizes, not times: the figures are checked for being there and for
what retention must do (the payloads gone), not against the aim."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(
    r"^(\S+) per 10k cases\+tickets, before → after upkeep: (-?[\d.]+) → (-?[\d.]+) MB$"
)


def test_the_store_size_benchmark_prints_each_table_before_and_after_the_upkeep() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_store_size", "--cases", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    figures = {m[1]: (float(m[2]), float(m[3])) for m in map(FIGURE.match, lines) if m}
    assert {"outbox", "print_jobs", "audit_log", "cases", "store"} <= set(figures)
    before, after = figures["print_payloads"]
    assert before > 100 and after == 0  # every printed job's bytes dropped past retention
    assert figures["store"][1] < figures["store"][0]
    assert any(line.startswith("aim store growth ≤ 50 MB per 10k") for line in lines)
