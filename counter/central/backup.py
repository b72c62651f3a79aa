"""``counter-central backup`` and ``restore``: a copy of the central's store that can be
put back, taken while the central serves.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``), in one step under
a read transaction, so the copy is the store as it stood at one moment even while
windows push and call (a plain file copy of a WAL database can tear: the file and its
``-wal`` are copied at different moments). Restoring writes the copy back through the
same API, which replaces every page of the store, its write-ahead log included.

PostgreSQL: ``pg_dump -Fc`` (the custom format: compressed, and ``pg_restore`` can put
back all of it or a table), itself a consistent snapshot. It must be at least the
server's major version (an older one refuses to dump); the newest one installed that
fits is used (Debian keeps each at ``/usr/lib/postgresql/N/bin``). Restore is
``pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error``
into the database named, as docs/central-operations.md writes it out.

A backup's name carries the time it was taken (hall time), so a folder of them sorts
by age: ``central-20260927-093015.db`` or ``central-20260927-093015.pgdump``. It is
written under a temporary name and renamed when complete: a backup cut short by a full
disk or a killed command never looks like a good one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from counter.central.migrations import FIRST_TABLE, META_TABLE
from counter.model.clock import HALL_TZ
from counter.model.errors import CounterError

SQLITE_SUFFIX = ".db"
POSTGRES_SUFFIX = ".pgdump"


class BackupError(CounterError):
    """A backup or a restore that could not be made (the CLI exits non-zero)."""


def backup_name(directory: Path, suffix: str, now: datetime | None = None) -> Path:
    """``central-YYYYmmdd-HHMMSS`` in hall time; ``-2``, ``-3``… if taken twice in a
    second, never overwriting an older backup."""
    stamp = (now or datetime.now(HALL_TZ)).strftime("%Y%m%d-%H%M%S")
    path = directory / f"central-{stamp}{suffix}"
    n = 2
    while path.exists():
        path = directory / f"central-{stamp}-{n}{suffix}"
        n += 1
    return path


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def backup_sqlite(db_path: Path, directory: Path) -> Path:
    """The store copied by SQLite's online backup API into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    target = backup_name(directory, SQLITE_SUFFIX)
    partial = _partial(target)
    source = sqlite3.connect(db_path, timeout=30.0)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # pages=-1: one step, one consistent read
            # A file on its own: no write-ahead log beside it to lose when it is moved.
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份 {db_path} 失败：{exc}") from None
    finally:
        source.close()
    partial.rename(target)
    return target


def restore_sqlite(backup: Path, db_path: Path) -> None:
    """Every page of ``db_path`` replaced by the backup's (the central must be stopped:
    a serving central would go on from what it held in memory)."""
    _check_sqlite_backup(backup)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(db_path, timeout=30.0)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise BackupError(f"从 {backup} 恢复失败：{exc}") from None
    finally:
        source.close()


def _check_sqlite_backup(backup: Path) -> None:
    if not backup.is_file():
        raise BackupError(f"没有这个备份文件：{backup}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as exc:
        raise BackupError(f"{backup} 不是 SQLite 中心库的备份：{exc}") from None
    if not {META_TABLE, FIRST_TABLE} & tables:
        raise BackupError(f"{backup} 不是中心库的备份（其中没有中心的表）")


# -- PostgreSQL ------------------------------------------------------------------------


def _split_password(url: str) -> tuple[str, dict[str, str]]:
    """The address without its password, and the environment that passes it: a
    password on a command line is visible to every user of the machine (``ps``)."""
    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}), env


def server_major(url: str) -> int:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            return int(conn.info.server_version) // 10000
    except psycopg.Error as exc:
        raise BackupError(f"无法连接数据库：{str(exc).strip()}") from None


def _major_of(tool: str) -> int | None:
    try:
        done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    return int(found.group(1)) if found and done.returncode == 0 else None


def pg_tool(name: str, server: int) -> str:
    """``pg_dump`` or ``pg_restore``, at least the server's major version: the one on
    the PATH if it fits, else the newest in ``/usr/lib/postgresql/*/bin``."""
    candidates: list[str] = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates += sorted(installed, key=lambda p: int(Path(p).parts[-3]), reverse=True)
    seen: list[str] = []
    for tool in candidates:
        major = _major_of(tool)
        if major is not None and major >= server:
            return tool
        seen.append(f"{tool}（{major if major is not None else '无法运行'}）")
    found = "；找到的：" + "、".join(seen) if seen else "，也没有找到"
    raise BackupError(
        f"需要版本不低于数据库服务器（PostgreSQL {server}）的 {name}{found}。"
        f"请安装 postgresql-client-{server}（Debian：apt install postgresql-client-{server}）"
    )


def backup_postgres(url: str, directory: Path) -> Path:
    """``pg_dump -Fc`` of the central's database into ``directory``."""
    tool = pg_tool("pg_dump", server_major(url))
    directory.mkdir(parents=True, exist_ok=True)
    target = backup_name(directory, POSTGRES_SUFFIX)
    partial = _partial(target)
    conninfo, env = _split_password(url)
    done = subprocess.run(
        [tool, "-Fc", "--no-password", "-f", str(partial), "-d", conninfo],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump 失败（{done.returncode}）：{done.stderr.strip()}")
    partial.rename(target)
    return target


def restore_command(url: str, backup: Path, tool: str = "pg_restore") -> list[str]:
    """The ``pg_restore`` that puts a backup back (the password, if any, goes by
    ``PGPASSWORD``, not here)."""
    conninfo, _ = _split_password(url)
    return [
        tool,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        "-d",
        conninfo,
        str(backup),
    ]


def restore_postgres(backup: Path, url: str) -> None:
    """The backup's tables in place of the database's own (the central stopped)."""
    if not backup.is_file():
        raise BackupError(f"没有这个备份文件：{backup}")
    tool = pg_tool("pg_restore", server_major(url))
    _, env = _split_password(url)
    done = subprocess.run(
        restore_command(url, backup, tool), env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败（{done.returncode}）：{done.stderr.strip()}")
