"""Run every benchmark and gather its figures into one markdown table.

    python -m benchmarks [--quick] [--out benchmarks.md] [--only NAME ...]

Each ``benchmarks/bench_*.py`` runs as its own process (as a release would run it);
every line it prints with a number becomes a row: benchmark, figure, value. The
table goes to the file named by ``--out`` (default ``benchmark-results.md``) so one
release's figures can be set beside the last's. ``--quick`` gives each script small
sizes, for a smoke run in minutes rather than an hour.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import re
import subprocess
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The arguments of each script: (full run, quick run).
ARGS: dict[str, tuple[list[str], list[str]]] = {
    "bench_startup": ([], ["2"]),
    "bench_intake": ([], ["20000"]),
    "bench_queue": ([], ["300"]),
    "bench_sync": ([], ["20000"]),
    "bench_authority": ([], ["2000"]),
    "bench_printing": ([], ["20"]),
    "bench_statistics": ([], ["20000", "20000"]),
    "bench_central_queue": ([], ["500"]),
    "bench_crash": (["200"], ["10"]),
    "bench_soak": ([], ["--minutes", "0.3"]),
    "bench_commit_flush": ([], ["100"]),
    "bench_growth": ([], ["--sizes", "2000,20000", "--runs", "2"]),
    "bench_store_size": ([], ["--cases", "300"]),
    "bench_first_pack": ([], ["--cases", "5000"]),
    "bench_history_import": ([], ["--cases", "100"]),
    "bench_progress": ([], ["--cases", "2000", "--rate", "50", "--seconds", "5"]),
}
NUMBER = re.compile(r"\d")
#: What every benchmark imports beyond the standard library: found in this Python, or
#: the run is refused before it starts. ``python -m benchmarks`` with a system Python
#: (README's words, outside the venv) ran every script to an ImportError and wrote a
#: table of failures; ``import counter`` alone passes there, from the repository folder.
NEEDED = ("sqlite_utils", "httpx", "psycopg", "fastapi", "PySide6")


def missing_modules() -> list[str]:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def wrong_python(missing: list[str]) -> str:
    """What to run instead, in words (and the venv's path when there is one)."""
    venv = HERE.parent / ".venv" / "bin" / "python"
    if not venv.exists():
        command = "<装有 Counter 的 Python>"
    elif venv.is_relative_to(Path.cwd()):
        command = str(venv.relative_to(Path.cwd()))
    else:
        command = str(venv)
    return (
        f"python -m benchmarks 须用装有 Counter 及其依赖的 Python 运行：当前的 {sys.executable} "
        f"缺少 {', '.join(missing)}。请运行\n"
        f"    {command} -m benchmarks --quick\n"
        "或先 source .venv/bin/activate（还没有 .venv 时先运行 ./test.sh 建好它）。\n"
        f"(this Python lacks {', '.join(missing)}: run the benchmarks with the venv's python,"
        f" {command} -m benchmarks)"
    )


def scripts() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def rows_of(name: str, output: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in output.splitlines():
        text = line.strip()
        if not text or not NUMBER.search(text):
            continue
        figure, sep, value = text.rpartition(": ")
        if not sep:
            figure, value = text, ""
        rows.append((name, figure.replace("|", "/"), value.replace("|", "/")))
    return rows


def run(name: str, quick: bool) -> tuple[list[tuple[str, str, str]], float, int]:
    full, small = ARGS.get(name, ([], []))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *(small if quick else full)],
        capture_output=True,
        text=True,
        cwd=HERE.parent,
        check=False,
    )
    took = time.perf_counter() - start
    rows = rows_of(name, done.stdout)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        rows.append((name, "FAILED", f"exit {done.returncode}: {last}"))
    return rows, took, done.returncode


def table(rows: list[tuple[str, str, str]], quick: bool) -> str:
    version = metadata.version("counter")
    head = [
        f"# Counter {version} benchmarks ({'quick' if quick else 'full'} run)",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M} · Python {platform.python_version()} · "
        f"{platform.machine()} · {platform.system()}",
        "",
        "| benchmark | figure | value |",
        "|---|---|---|",
    ]
    return "\n".join(head + [f"| {b} | {f} | {v} |" for b, f, v in rows]) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--out", default="benchmark-results.md")
    parser.add_argument("--only", nargs="*", default=None, help="bench_* names to run")
    args = parser.parse_args()
    missing = missing_modules()
    if missing:
        print(wrong_python(missing), file=sys.stderr)
        return 2
    rows: list[tuple[str, str, str]] = []
    failed = 0
    for name in args.only or scripts():
        result, took, code = run(name, args.quick)
        failed += code != 0
        rows += [*result, (name, "wall time of the script", f"{took:.1f} s")]
        print(f"{name}: {len(result)} figures in {took:.1f} s", flush=True)
    Path(args.out).write_text(table(rows, args.quick), encoding="utf-8")
    print(f"table written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
