"""The layer rules of docs/architecture.md, checked by running code rather than trusting grep."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NON_UI = ("model", "store", "services", "sync", "central", "printing")

BLOCK_QT = """
import importlib.abc, pkgutil, sys

class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6'):
            raise ImportError('Qt is blocked: ' + name)
        return None

sys.meta_path.insert(0, BlockQt())
import counter
names = []
for layer in %r:
    pkg = __import__('counter.' + layer, fromlist=['_'])
    names += [m.name for m in pkgutil.walk_packages(pkg.__path__, 'counter.' + layer + '.')]
for name in names:
    __import__(name)
print(len(names))
"""


def test_no_non_ui_module_pulls_in_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_QT % (NON_UI,)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10


def test_the_model_never_reads_the_clock_or_touches_io() -> None:
    forbidden = ("datetime.now(", "date.today(", "time.time(", "import sqlite", "httpx", "open(")
    for path in (ROOT / "counter" / "model").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in text, f"{path.name} uses {word}"


#: What raw SQL looks like in Python source: a statement run on a connection or a
#: sqlite-utils table reached by name, or SQL keywords in a string.
RAW_SQL = re.compile(
    r"\.execute\(|\.query\(|executemany|executescript|\.conn\b|\bdb\[|"
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|PRAGMA) "
)


def test_services_leave_sql_to_the_store() -> None:
    """Services own connections and transactions; every statement lives in counter.store."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "counter" / "services").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if RAW_SQL.search(line)
    ]
    assert not found, "raw SQL in services:\n" + "\n".join(found)
