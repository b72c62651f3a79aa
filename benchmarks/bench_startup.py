"""Cold start to the first painted window, against a bare PySide6 window; installed size.

Each run is a whole new process, timed from spawn until its screenshot file exists — the
window has been laid out and painted by then: the clerk's first window, the sign-in
dialog (`counter --sign-in --screenshot`: saved as it is first painted, before the store
opens), the demo supervisor's main window signed in without the dialog (`counter
--screenshot`), the kiosk and the call board twice — at their first paint (`--kiosk
--first-paint`: 请稍候… on screen, before the store opens, as a person at the kiosk
first sees it) and ready with their categories (`--kiosk`) — and a bare PySide6
window that shows one label (the floor: Python, Qt and a first paint). The runs take
turns, so the machine's load falls on all of them alike, and each station's figure is
also given as a ratio to the bare window's median in the same run. The first run on an
empty data folder also creates and seeds the store; later runs open it.

Sign-in is timed inside the process (`counter --demo-sign-in --screenshot`): the demo
supervisor's login and password typed into the sign-in dialog once the store is open
and the window's modules loaded (as after a clerk's few seconds of typing), from 登录
pressed to the main window's first paint, password check included (issue 32's aim:
≤ 0.5 s).

Every process runs as an installed Counter does, from compiled bytecode: the runs
share a bytecode cache in the temporary folder (PYTHONPYCACHEPREFIX, so the source tree
stays clean, whatever PYTHONDONTWRITEBYTECODE says), filled by one untimed run of each.

    python -m benchmarks.bench_startup [runs]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

#: A window with one label, painted and saved: what any Qt program pays to start.
BARE = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("请A001号到3号窗口办理")
label.resize(1280, 800)
label.show()
app.processEvents()
sys.exit(0 if label.grab().save(sys.argv[1]) else 1)
"""

#: Station: the arguments after `counter` (the screenshot path is added).
STATIONS: dict[str, list[str]] = {
    "clerk: sign-in window": ["--sign-in"],
    "window (main window, demo supervisor)": [],
    "kiosk: first paint (请稍候…, before the store opens)": ["--kiosk", "--first-paint"],
    "kiosk: ready (categories, store open)": ["--kiosk"],
    "call board: first paint": ["--board", "--first-paint"],
    "call board: ready": ["--board"],
}


def time_to_screenshot(data_dir: Path, out: Path, args: list[str] | None = None) -> float:
    """Spawn → screenshot saved; ``args`` None runs the bare PySide6 window instead."""
    out.unlink(missing_ok=True)
    env = {**os.environ, "COUNTER_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(data_dir.parent / "bytecode")
    if args is None:
        command = [sys.executable, "-c", BARE, str(out)]
    else:
        command = [sys.executable, "-m", "counter.app", *args, "--screenshot", str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not out.exists() and process.poll() is None:
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    process.wait()
    if not out.exists():
        raise SystemExit(f"{command} exited with {process.returncode} and no screenshot")
    return elapsed


def sign_in_to_window(data_dir: Path, out: Path) -> float:
    """登录 pressed → main window painted, as the process itself prints it."""
    env = {**os.environ, "COUNTER_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(data_dir.parent / "bytecode")
    command = [sys.executable, "-m", "counter.app", "--demo-sign-in", "--screenshot", str(out)]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    found = re.search(r"sign-in → main window painted: ([0-9.]+) s", result.stdout)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"{command} exited with {result.returncode}: {result.stderr[-2000:]}")
    return float(found.group(1))


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
        for args in [None, *STATIONS.values()]:  # compiles the bytecode; not timed
            time_to_screenshot(Path(tmp) / "warm-up", out, args)
        shutil.copytree(Path(tmp) / "bytecode", Path(tmp) / "bytecode-warm")
        first = time_to_screenshot(data, out, [])
        bare: list[float] = []
        times: dict[str, list[float]] = {name: [] for name in STATIONS}
        sign_in: list[float] = []
        for _ in range(runs):  # in turns: a busy moment slows all alike
            bare.append(time_to_screenshot(data, out))
            for name, args in STATIONS.items():
                times[name].append(time_to_screenshot(data, out, args))
            sign_in.append(sign_in_to_window(data, out))
        fresh = []
        for n in range(max(3, runs // 2)):
            folder = Path(tmp) / f"new-{n}"
            shutil.copytree(Path(tmp) / "bytecode-warm", folder / "bytecode")
            fresh.append(time_to_screenshot(folder / "data", folder / "shot.png", []))
    size, count = installed_size()
    floor = statistics.median(bare)
    print("Counter start-up (whole process, spawn → window painted)")
    print(f"  first start on an empty data folder (creates + seeds the store): {first:.2f} s")
    print(f"  new store, median of {len(fresh)}: {statistics.median(fresh):.2f} s")
    print(f"  bare PySide6 window with one label, median of {runs}: {floor:.2f} s")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name}, existing store, median of {runs}: {median:.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    for name, values in times.items():
        print(f"  {name} ÷ bare window (medians): {statistics.median(values) / floor:.1f}×")
    median = statistics.median(sign_in)
    print(
        f"  sign-in → main window painted (登录 pressed → first paint, in-process), "
        f"median of {runs}: {median:.2f} s (min {min(sign_in):.2f}, max {max(sign_in):.2f}; "
        f"aim ≤ 0.5 s: {median / 0.5:.1f}× the aim, {median / floor:.1f}× the bare window)"
    )
    print(f"installed size: {size / 1e6:.0f} MB in {count} distributions (counter + dependencies)")


if __name__ == "__main__":
    main()
