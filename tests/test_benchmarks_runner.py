"""``python -m benchmarks``: every script is known, and printed figures become table rows."""

from __future__ import annotations

import importlib

runner = importlib.import_module("benchmarks.__main__")


def test_every_benchmark_script_has_a_quick_mode() -> None:
    assert set(runner.scripts()) <= set(runner.ARGS)


def test_lines_with_a_number_become_rows_split_at_the_last_colon() -> None:
    out = "Counter start-up\n  new store, median of 3: 1.20 s\nsoak: ops written: 60000\n"
    assert runner.rows_of("b", out) == [
        ("b", "new store, median of 3", "1.20 s"),
        ("b", "soak: ops written", "60000"),
    ]


def test_the_table_is_markdown_with_a_header_row() -> None:
    text = runner.table([("bench_x", "ops/s", "12")], quick=True)
    assert "| benchmark | figure | value |" in text and "| bench_x | ops/s | 12 |" in text
