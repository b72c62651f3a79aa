"""The embedded default: the central store in one SQLite file, no set-up needed."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from counter.central.engine import (
    CHANGES_SQLITE,
    COLUMN_UPGRADES,
    DEVICE_BY_TOKEN,
    FILL_OWNERS,
    QUEUE_EVENTS_INDEX,
    QUEUE_EVENTS_SQLITE,
    QUEUE_SCHEMA,
    QUEUE_WAITING,
    QUEUE_WAITING_REBUILD,
    QUEUE_WAITING_TRIGGERS_SQLITE,
    SCHEMA,
    Device,
    DeviceCheck,
    Engine,
    token_hash,
)
from counter.central.migrations import META_SCHEMA, SET_CREATED, SET_VERSION
from counter.model.clock import HALL_TZ, iso


class SqliteEngine(Engine):
    """One connection per thread, kept open: a connection opened for each transaction
    cost 0.8 ms of CPU before it did anything (it reads the schema again) and, when it
    was the last one open, a checkpoint of the whole log as it closed."""

    #: A call next and its finish cost the central 4.2 ms of CPU through a worker thread
    #: and 2.0 ms on the event loop (20 windows at once, this 2-core machine): the
    #: hand-over and the interpreter lock passed back and forth were half of it. An
    #: action is under a millisecond of SQLite work behind the one writer lock, so the
    #: loop waits at most for a write already under way (a push, the mirror), which
    #: the action would wait for in a thread as well.
    queue_writes_inline = True
    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._writer = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit mode: transactions are opened explicitly below.
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Forget every thread's connection; each closes on its own thread once that
        thread's transaction, if any, lets go of it. Closing one from another thread
        while in use crashed the interpreter (found by the test suite)."""
        self._local = threading.local()

    def _table_names(self) -> set[str]:
        if not self.path.exists():
            return set()  # asked, not made: the baseline makes it
        with self._read() as cur:
            found = cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {r[0] for r in found}

    def _baseline(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = WAL")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            for statement in (
                *SCHEMA.split(";\n"),
                CHANGES_SQLITE,
                *QUEUE_SCHEMA.split(";\n"),
                QUEUE_EVENTS_SQLITE,
                QUEUE_EVENTS_INDEX,
            ):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(QUEUE_WAITING)
            for statement in QUEUE_WAITING_TRIGGERS_SQLITE:
                conn.execute(statement)
            if not {"queue_tickets", "queue_waiting"} <= tables:
                for statement in QUEUE_WAITING_REBUILD:  # counts made or tickets new
                    conn.execute(statement)
            conn.execute("COMMIT")
            added = set()
            for table, column, definition in COLUMN_UPGRADES:
                have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                    added.add((table, column))
            if ("rows", "owner") in added:  # once, not a scan of every row each start
                conn.execute(FILL_OWNERS)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(META_SCHEMA)
            conn.execute(SET_CREATED, [iso(datetime.now(HALL_TZ))])
            conn.execute(SET_VERSION, ["1"])
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _sql(self, text: str) -> str:
        return text

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]:
        # IMMEDIATE takes the write lock before the first read, so change-log rows are
        # numbered and committed one writer at a time.
        return self._transaction("BEGIN IMMEDIATE" if self._serialise_writers else "BEGIN")

    @contextlib.contextmanager
    def _queue_tx(self, check: DeviceCheck | None = None) -> Iterator[sqlite3.Cursor]:
        with self._transaction("BEGIN IMMEDIATE") as cur:
            if check is not None:
                found = cur.execute(DEVICE_BY_TOKEN, [token_hash(check.token)]).fetchone()
                check.accept(Device.from_row(found))
            yield cur

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Cursor]:
        """``BEGIN IMMEDIATE`` transactions of this process take turns on a lock first:
        a thread refused SQLite's write lock sleeps in its busy handler (up to 100 ms
        a try) however soon the lock is free, which made the tail of twenty windows
        calling at once; the lock wakes the next one as soon as the last commits. Other
        processes (the command line) still meet the busy timeout."""
        turn = self._writer if begin == "BEGIN IMMEDIATE" else contextlib.nullcontext()
        with turn:
            conn = self._connect()
            conn.execute(begin)
            cur = conn.cursor()
            try:
                yield cur
                conn.commit()
            except BaseException:
                # The connection outlives the transaction: never leave one open on it.
                if conn.in_transaction:
                    conn.rollback()
                raise
            finally:
                cur.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        cur = self._connect().cursor()
        try:
            yield cur
        finally:
            cur.close()
