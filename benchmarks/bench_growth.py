"""A year's data changes nothing: the same figures on stores of growing size (issue 32).

For each size a store is generated (the cases of ``benchmarks.bench_intake``, bulk
inserted through the real table, its triggers and indexes) and closed cleanly, then:

- start-up: ``open_counter_store`` in this process (median; the first opening after
  the data grew is given apart, it gathers the planner's statistics once a week), and
  the whole process ``counter --screenshot`` to a painted main window, beside a bare
  PySide6 window in the same run (``benchmarks.bench_startup``);
- sign-in to a painted main window: ``counter --demo-sign-in`` signs the demo
  supervisor in through the real dialog once the store is open and prints the time from
  登录 to the main window's first paint, password check and first page included
  (``benchmarks.bench_startup.sign_in_to_window``; the process runs take turns with the
  start-ups; median);
- the 办件 page's default list (the newest 200 cases with their deadlines and lights,
  as ``CasesService.find`` gives them to the page), its clerk filter list, and a 2- and
  a 3-character name search;
- the store's bytes per 10,000 cases.

Each figure is printed with its ratio to the smallest store's, and the issue's aims
(办件 list ≤ 20 ms at 600k; start-up at 600k ≤ 1.2 × at 10k; sign-in to a painted main
window ≤ 0.5 s at 600k) are checked.

    python -m benchmarks.bench_growth [--sizes 10000,100000,600000] [--runs 5]
                                      [--no-process]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.bench_intake import NOW, fill, generated_rows, median_ms, services
from benchmarks.bench_startup import sign_in_to_window, time_to_screenshot
from counter.services.bootstrap import open_counter_store, prepare_store
from counter.store import cases_store
from counter.store.cases_store import CaseFilter
from counter.store.db import DB_FILE, close_store, open_store

#: Figures, in the order printed: label, unit.
FIGURES = (
    ("open_counter_store", "ms"),
    ("counter --screenshot", "s"),
    ("sign-in → main window painted", "s"),
    ("办件 default list", "ms"),
    ("clerk filter list", "ms"),
    ("2-char search", "ms"),
    ("3-char search", "ms"),
    ("store per 10k cases", "MB"),
)


@dataclass
class Row:
    size: int
    figures: dict[str, float]
    first_open_ms: float


def build(folder: Path, size: int) -> float:
    """A store of ``size`` cases in ``folder``, closed cleanly; seconds it took."""
    folder.mkdir(parents=True)
    db = open_store(folder / DB_FILE)
    prepare_store(db, NOW)
    took = fill(db, size)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    close_store(db)
    return took


def opened(folder: Path) -> None:
    close_store(open_counter_store(folder, NOW))


def measure(folder: Path, size: int, runs: int) -> Row:
    """Every figure but the whole-process start-up (:func:`in_turns`)."""
    start = time.perf_counter()
    opened(folder)  # the first opening after the data grew: ANALYZE, once a week
    first_open_ms = (time.perf_counter() - start) * 1000
    figures = {"open_counter_store": median_ms(lambda: opened(folder), runs)}
    db = open_counter_store(folder, NOW)
    _, cases, _ = services(db)
    rng = random.Random(5)
    picks = set(rng.sample(range(size), min(size, 9)))
    names = [row[7] for n, row in enumerate(generated_rows(size)) if n in picks]

    def find(text: str) -> object:
        return cases.find(text, CaseFilter(), NOW)

    figures["办件 default list"] = median_ms(partial(find, ""), runs)
    figures["clerk filter list"] = median_ms(lambda: cases_store.clerks_in_use(db), runs)
    for chars, label in ((2, "2-char search"), (3, "3-char search")):
        texts = [name[1 : 1 + chars] for name in names]
        figures[label] = statistics.median(median_ms(partial(find, t), runs) for t in texts)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    close_store(db)
    figures["store per 10k cases"] = (folder / DB_FILE).stat().st_size / 1e6 / (size / 10_000)
    return Row(size, figures, first_open_ms)


@dataclass
class Processes:
    """Medians of the whole-process figures: per store, and the bare window's."""

    started: list[float]
    signed_in: list[float]
    bare: float


def in_turns(folders: list[Path], runs: int, shot: Path) -> Processes:
    """``counter --screenshot`` and ``counter --demo-sign-in`` on each store and a bare
    Qt window, in turns (as in bench_startup: a busy moment of a shared machine slows
    all alike); medians."""
    for folder in folders:  # compiles the bytecode, warms the file cache; not timed
        time_to_screenshot(folder, shot, [])
        sign_in_to_window(folder, shot)
    bare: list[float] = []
    started: list[list[float]] = [[] for _ in folders]
    signed_in: list[list[float]] = [[] for _ in folders]
    for _ in range(runs):
        bare.append(time_to_screenshot(folders[0], shot))
        for n, folder in enumerate(folders):
            started[n].append(time_to_screenshot(folder, shot, []))
            signed_in[n].append(sign_in_to_window(folder, shot))
    return Processes(
        [statistics.median(t) for t in started],
        [statistics.median(t) for t in signed_in],
        statistics.median(bare),
    )


def table(rows: list[Row], bare_s: float | None) -> list[str]:
    """One line per size: each figure and its ratio to the smallest store's."""
    base = rows[0]
    lines = []
    for row in rows:
        cells = []
        for label, unit in FIGURES:
            if label not in row.figures:
                continue
            value, ratio = row.figures[label], row.figures[label] / base.figures[label]
            cells.append(f"{label} {value:.{3 if unit == 's' else 1}f} {unit} ({ratio:.2f}×)")
        lines.append(f"{row.size:>9,} cases | " + " | ".join(cells))
    if bare_s is not None:
        for row in rows:
            for label in ("counter --screenshot", "sign-in → main window painted"):
                if label in row.figures:
                    lines.append(
                        f"{row.size:>9,} cases: {label} ÷ bare Qt window: "
                        f"{row.figures[label] / bare_s:.1f}×"
                    )
    return lines


def aims(rows: list[Row]) -> list[str]:
    small, large = rows[0], rows[-1]
    listed = large.figures["办件 default list"]
    lines = [
        f"aim 办件 default list ≤ 20 ms at {large.size:,} cases: {listed:.1f} ms "
        f"({'met' if listed <= 20 else 'MISSED'})"
    ]
    for label in ("open_counter_store", "counter --screenshot"):
        if label in large.figures:
            ratio = large.figures[label] / small.figures[label]
            lines.append(
                f"aim start-up ({label}) at {large.size:,} ≤ 1.2 × at {small.size:,}: "
                f"{ratio:.2f}× ({'met' if ratio <= 1.2 else 'MISSED'})"
            )
    signed_in = large.figures.get("sign-in → main window painted")
    if signed_in is not None:
        lines.append(
            f"aim sign-in → main window painted ≤ 0.5 s at {large.size:,} cases: "
            f"{signed_in:.3f} s ({'met' if signed_in <= 0.5 else 'MISSED'})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_growth")
    parser.add_argument("--sizes", default="10000,100000,600000", help="cases per store")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument(
        "--no-process", action="store_true", help="skip the whole-process start-up and sign-in"
    )
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    rows: list[Row] = []
    bare_s = None
    with tempfile.TemporaryDirectory(prefix="counter-growth-") as tmp:
        folders = [Path(tmp) / f"store-{size}" for size in sizes]
        for size, folder in zip(sizes, folders, strict=True):
            took = build(folder, size)
            print(f"{size:,} cases generated in {took:.1f} s", flush=True)
            row = measure(folder, size, args.runs)
            print(
                f"{size:,} cases: first open after the data grew (statistics gathered): "
                f"{row.first_open_ms:.0f} ms",
                flush=True,
            )
            rows.append(row)
        if not args.no_process:
            processes = in_turns(folders, args.runs, Path(tmp) / "shot.png")
            bare_s = processes.bare
            for row, seconds, signed_in in zip(
                rows, processes.started, processes.signed_in, strict=True
            ):
                row.figures["counter --screenshot"] = seconds
                row.figures["sign-in → main window painted"] = signed_in
    print(f"Growth (median of {args.runs}; ratio to the {sizes[0]:,}-case store)")
    if bare_s is not None:
        print(f"bare PySide6 window with one label: {bare_s:.3f} s")
    for line in table(rows, bare_s) + aims(rows):
        print(line)


if __name__ == "__main__":
    main()
