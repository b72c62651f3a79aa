"""The central store on PostgreSQL (psycopg 3), for a hall or a city.

Transactions run on a small pool of open connections: every request checks its device
token, and twenty windows calling next within a second of each other would otherwise
each pay for a fresh connection on top of the call itself.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator
from typing import Any

import psycopg

from counter.central.engine import (
    CHANGES_POSTGRES,
    QUEUE_EVENTS_INDEX,
    QUEUE_EVENTS_POSTGRES,
    QUEUE_SCHEMA,
    SCHEMA,
    Engine,
)

# One key for the change-log writer lock; any constant unique to Counter will do.
CHANGE_LOG_LOCK = 0x436F756E746572
# And one for the queue's event log (see Engine._queue_event_lock).
QUEUE_EVENT_LOCK = 0x436F756E746571
# The first half of a two-key lock per window (the second is the window's hash).
WINDOW_LOCK = 0x436F7577


class _Pool:
    """Open autocommit connections kept for reuse; a broken one is dropped."""

    def __init__(self, dsn: str, keep: int) -> None:
        self.dsn = dsn
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue(keep)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextlib.contextmanager
    def statement(self) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor outside any transaction: one autocommit statement, one round trip
        instead of three (BEGIN, the statement, COMMIT)."""
        with self.connection() as conn, conn.cursor() as cur:
            yield cur

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(self.dsn, autocommit=True)
        try:
            yield conn
        finally:
            if conn.broken or conn.closed:
                conn.close()
            else:
                try:
                    self._idle.put_nowait(conn)
                except queue.Full:
                    conn.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class PostgresEngine(Engine):
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, dsn: str, pool_size: int = 4) -> None:
        """``pool_size``: connections kept open between requests (more are opened when
        needed and closed after); a hall's PostgreSQL is shared, so few by default."""
        self.dsn = dsn
        self._pool = _Pool(dsn, pool_size)

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn)

    def setup(self) -> None:
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
            for statement in (
                *SCHEMA.split(";\n"),
                CHANGES_POSTGRES,
                *QUEUE_SCHEMA.split(";\n"),
                QUEUE_EVENTS_POSTGRES,
                QUEUE_EVENTS_INDEX,
            ):
                if statement.strip():
                    conn.execute(statement)

    def close(self) -> None:
        self._pool.close()

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s")

    @contextlib.contextmanager
    def _write(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._pool.transaction() as cur:
            # Held to commit: change-log cursors are taken and made visible in order.
            if self._serialise_writers:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
            yield cur

    @contextlib.contextmanager
    def _queue_tx(self) -> Iterator[psycopg.Cursor[Any]]:
        """In pipeline mode: a statement whose result is not read (a lock, an update, the
        event) goes with the next one that is, or with COMMIT, so the event lock, the
        event and COMMIT leave in one round trip."""
        with (
            self._pool.connection() as conn,
            conn.pipeline(),
            conn.transaction(),
            conn.cursor() as cur,
        ):
            yield cur

    def _queue_window_lock(self, cur: Any, window: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [WINDOW_LOCK, window])

    def _queue_event_lock(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [QUEUE_EVENT_LOCK])

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._pool.transaction() as cur:
            yield cur

    @contextlib.contextmanager
    def _lookup(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._pool.statement() as cur:
            yield cur
