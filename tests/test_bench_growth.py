"""``python -m benchmarks.bench_growth`` runs end to end on tiny stores and prints its
table with ratios and the issue's aims (issue 32); the figures themselves are not
judged here: they depend on the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_growth_benchmark_prints_a_row_per_size_and_the_aims() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_growth", "--sizes", "300,600", "--runs", "1",
         "--no-process"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [line for line in lines if " cases | " in line]
    assert len(rows) == 2 and "(1.00×)" in rows[0]
    assert all("办件 default list" in r and "store per 10k cases" in r for r in rows)
    assert any(line.startswith("aim 办件 default list ≤ 20 ms") for line in lines)
    assert any(line.startswith("aim start-up (open_counter_store)") for line in lines)


def test_it_times_sign_in_to_the_painted_main_window_per_store() -> None:
    """The whole-process figures too: start-up and the real sign-in dialog's 登录 to
    the main window's first paint (``counter --demo-sign-in``), each store's beside the
    smallest's and the bare window, and the sign-in aim."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_growth", "--sizes", "300,600", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = [line for line in lines if " cases | " in line]
    assert len(rows) == 2
    assert "sign-in → main window painted" in rows[0] and "(1.00×)" in rows[0]
    assert "sign-in → main window painted" in rows[1]
    assert any("sign-in → main window painted ÷ bare Qt window" in line for line in lines)
    assert any(line.startswith("aim sign-in → main window painted ≤ 0.5 s") for line in lines)
