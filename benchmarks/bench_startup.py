"""Cold start to the first painted main window, and the installed size.

Each run is a whole new process (`counter --screenshot`), timed from spawn until the
screenshot file exists — the window has been laid out and painted by then. The first
run on an empty data folder also creates and seeds the store; later runs open it.

    python -m benchmarks.bench_startup [runs]
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path


def time_to_screenshot(data_dir: Path, out: Path) -> float:
    out.unlink(missing_ok=True)
    env = {**os.environ, "COUNTER_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "counter.app", "--screenshot", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not out.exists() and process.poll() is None:
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    process.wait()
    if not out.exists():
        raise SystemExit(f"counter exited with {process.returncode} and no screenshot")
    return elapsed


def installed_size(dist_name: str = "counter") -> tuple[int, int]:
    """Bytes of the distribution and everything it requires (not the test extra)."""
    seen: set[str] = set()
    todo = [dist_name]
    total = 0
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            todo.append(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0])
    return total, len(seen)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "shot.png"
        first = time_to_screenshot(data, out)
        warm = [time_to_screenshot(data, out) for _ in range(runs)]
    fresh = []
    for _ in range(max(3, runs // 2)):
        with tempfile.TemporaryDirectory() as tmp:
            fresh.append(time_to_screenshot(Path(tmp) / "data", Path(tmp) / "shot.png"))
    size, count = installed_size()
    print("Counter start-up (whole process, spawn → main window painted)")
    print(f"  first start on an empty data folder (creates + seeds the store): {first:.2f} s")
    print(f"  new store, median of {len(fresh)}: {statistics.median(fresh):.2f} s")
    print(
        f"  existing store, median of {runs}: {statistics.median(warm):.2f} s "
        f"(min {min(warm):.2f}, max {max(warm):.2f})"
    )
    print(f"installed size: {size / 1e6:.0f} MB in {count} distributions (counter + dependencies)")


if __name__ == "__main__":
    main()
