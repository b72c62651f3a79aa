"""The embedded default: the central store in one SQLite file, no set-up needed."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from counter.central.engine import (
    CHANGES_SQLITE,
    QUEUE_EVENTS_INDEX,
    QUEUE_EVENTS_SQLITE,
    QUEUE_SCHEMA,
    SCHEMA,
    Engine,
)


class SqliteEngine(Engine):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly below.
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def setup(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            for statement in (
                *SCHEMA.split(";\n"),
                CHANGES_SQLITE,
                *QUEUE_SCHEMA.split(";\n"),
                QUEUE_EVENTS_SQLITE,
                QUEUE_EVENTS_INDEX,
            ):
                if statement.strip():
                    conn.execute(statement)
        finally:
            conn.close()

    def _sql(self, text: str) -> str:
        return text

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]:
        # IMMEDIATE takes the write lock before the first read, so change-log rows are
        # numbered and committed one writer at a time.
        return self._transaction("BEGIN IMMEDIATE" if self._serialise_writers else "BEGIN")

    def _queue_tx(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]:
        return self._transaction("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Cursor]:
        conn = self._connect()
        try:
            conn.execute(begin)
            cur = conn.cursor()
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        conn = self._connect()
        try:
            yield conn.cursor()
        finally:
            conn.close()
