"""The layer rules of docs/architecture.md, checked by running code rather than trusting grep."""

from __future__ import annotations

import ast
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


#: What the model may not import: clocks, randomness, files, processes, the network, SQL.
CLOCK_AND_IO_MODULES = {"time", "os", "random", "secrets", "uuid", "pathlib", "shutil",
                        "subprocess", "socket", "sqlite3", "sqlite_utils", "httpx",
                        "urllib", "psycopg", "platformdirs"}  # fmt: skip
#: What it may not call, as a function or a method: the clock, randomness, files
#: (``time()`` is not among them: the model makes clock times, ``datetime.time``).
CLOCK_AND_IO_CALLS = {"now", "today", "utcnow", "monotonic", "perf_counter",
                      "urandom", "token_bytes", "token_urlsafe", "uuid4", "uuid7", "open",
                      "read_text", "read_bytes", "write_text", "write_bytes"}  # fmt: skip


def test_the_model_never_reads_the_clock_or_touches_io() -> None:
    """Read from each module's syntax, not its text: an import of a clock or I/O module,
    or a call of one of their functions, anywhere in counter/model."""
    found = []
    for path in sorted((ROOT / "counter" / "model").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call):
                called = node.func
                name = (
                    called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                )
                if name in CLOCK_AND_IO_CALLS:
                    found.append(f"{path.name}:{node.lineno}: calls {name}()")
                continue
            else:
                continue
            found += [f"{path.name}:{node.lineno}: imports {n}" for n in names
                      if n.split(".")[0] in CLOCK_AND_IO_MODULES]  # fmt: skip
    assert not found, "the model reads the clock or touches I/O:\n" + "\n".join(found)


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
