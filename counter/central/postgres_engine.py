"""The central store on PostgreSQL (psycopg 3), for a hall or a city.

Transactions run on a small pool of open connections: every request checks its device
token, and twenty windows calling next within a second of each other would otherwise
each pay for a fresh connection on top of the call itself.

A queue transaction goes as a few simple queries (``_Batch``): call next is three round
trips and a finish two, as in psycopg's pipeline mode, for half the central's CPU.
With twenty windows calling at once on a small machine the CPU is what their calls
queue for.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from counter.central.engine import (
    CHANGES_POSTGRES,
    COLUMN_UPGRADES,
    DEVICE_BY_TOKEN,
    FILL_OWNERS,
    QUEUE_EVENTS_INDEX,
    QUEUE_EVENTS_POSTGRES,
    QUEUE_SCHEMA,
    QUEUE_WAITING,
    QUEUE_WAITING_REBUILD,
    SCHEMA,
    Device,
    DeviceCheck,
    Engine,
    queue_waiting_triggers_postgres,
    token_hash,
)
from counter.central.migrations import META_SCHEMA, SET_CREATED, SET_VERSION
from counter.model.clock import HALL_TZ, iso

# One key for the change-log writer lock; any constant unique to Counter will do.
CHANGE_LOG_LOCK = 0x436F756E746572
# And one for the queue's event log (see Engine._queue_event_lock).
QUEUE_EVENT_LOCK = 0x436F756E746571
# The first half of a two-key lock per window (the second is the window's hash).
WINDOW_LOCK = 0x436F7577
#: Every queue event is announced here at its commit (Engine.follow_queue).
QUEUE_CHANNEL = "counter_queue"

log = logging.getLogger(__name__)


class _Pool:
    """Open autocommit connections kept for reuse; a broken one is dropped."""

    def __init__(
        self, dsn: str, keep: int, *, prepare_threshold: int | None = 5, setup: str = ""
    ) -> None:
        self.dsn = dsn
        self.prepare_threshold = prepare_threshold
        self.setup = setup
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
            conn = psycopg.connect(
                self.dsn, autocommit=True, prepare_threshold=self.prepare_threshold
            )
            if self.setup:
                conn.execute(self.setup)
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


class _Batch:
    """A queue transaction as few simple queries as its reads allow.

    A statement whose result is not read (a lock, an update, the event) waits and goes
    with the next one that is, or with COMMIT, as one multi-statement query. Each
    statement is prepared once per connection and then run by ``EXECUTE`` with its
    values bound on the client, on a generic plan. The round trips are those of
    psycopg's pipeline mode, whose Python loop cost the central 0.68 ms of CPU for a
    transaction of six statements, this 0.33 ms; and PostgreSQL no longer plans call
    next's query afresh (0.36 ms a call). A call and its finish, device checks
    included, went from 2.3 to 1.2 ms of the central's CPU without HTTP, and PostgreSQL's
    own CPU from 1.74 to 1.4 ms. HallQueue reads only the statement it just ran.
    """

    def __init__(self, cur: psycopg.ClientCursor[Any], prepared: set[str]) -> None:
        self._cur = cur
        self._prepared = prepared
        self._preparing: set[str] = set()
        self.failed = False
        self._waiting = ["BEGIN"]
        self._check: tuple[int, DeviceCheck] | None = None

    def check_device(self, lookup: str, check: DeviceCheck) -> None:
        """The device lookup waits like any statement; its answer is checked as soon as
        it comes, before the result it came with is read."""
        self.execute(lookup, [token_hash(check.token)])
        self._check = (len(self._waiting) - 1, check)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> _Batch:
        name = "counter_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()
        if name not in self._prepared and name not in self._preparing:
            numbered = iter(range(1, sql.count("%s") + 1))
            self._waiting.append(
                f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql)
            )
            self._preparing.add(name)
        marks = ", ".join("%s" for _ in args)
        self._waiting.append(
            self._cur.mogrify(f"EXECUTE {name}({marks})" if args else f"EXECUTE {name}", args)
        )
        return self

    def _send(self) -> None:
        """What waits, at once; the cursor is left on the last statement's result."""
        text, self._waiting = "; ".join(self._waiting), []
        try:
            self._cur.execute(text)  # no parameters: bound
        except psycopg.Error:
            # Which of the batch's PREPAREs ran is not known: the caller drops them all.
            self.failed = True
            raise
        self._prepared |= self._preparing
        self._preparing.clear()
        if self._check is not None:
            at, check = self._check
            self._check = None
            for _ in range(at):
                self._cur.nextset()
            check.accept(Device.from_row(self._cur.fetchone()))
        while self._cur.nextset():
            pass

    def fetchone(self) -> Any:
        self._send()
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        self._send()
        return self._cur.fetchall()

    def commit(self) -> None:
        if self._check is not None:  # nothing was read: the device passes first
            self._send()
        self._waiting.append("COMMIT")
        self._send()


class PostgresEngine(Engine):
    skip_locked = " FOR UPDATE SKIP LOCKED"
    dialect = "postgres"

    def __init__(self, dsn: str, pool_size: int = 4) -> None:
        """``pool_size``: connections kept open between requests (more are opened when
        needed and closed after); a hall's PostgreSQL is shared, so few by default."""
        self.dsn = dsn
        self._pool = _Pool(dsn, pool_size)
        # The queue's connections prepare their own statements (_Batch), planned once
        # for all values: psycopg's own preparing answers any ROLLBACK with DEALLOCATE
        # ALL, which would drop them.
        self._queue_pool = _Pool(
            dsn,
            pool_size,
            prepare_threshold=None,
            setup="SET plan_cache_mode = force_generic_plan",
        )
        #: The queue statements each open queue connection has prepared.
        self._prepared: weakref.WeakKeyDictionary[psycopg.Connection[Any], set[str]] = (
            weakref.WeakKeyDictionary()
        )

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn)

    def _table_names(self) -> set[str]:
        with self._read() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
            return {r[0] for r in cur.fetchall()}

    def _baseline(self) -> None:
        """One transaction, under the change-log lock: a second process starting the
        same baseline waits, then finds everything made."""
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema()"
                )
            }
            for statement in (
                *SCHEMA.split(";\n"),
                CHANGES_POSTGRES,
                *QUEUE_SCHEMA.split(";\n"),
                QUEUE_EVENTS_POSTGRES,
                QUEUE_EVENTS_INDEX,
                QUEUE_WAITING,
                *queue_waiting_triggers_postgres(QUEUE_EVENT_LOCK),
            ):
                if statement.strip():
                    conn.execute(statement)
            if not {"queue_tickets", "queue_waiting"} <= tables:
                # Counts made or the tickets new: count once, with the tickets held
                # still (a second process already serving waits for this commit).
                conn.execute("LOCK TABLE queue_tickets IN SHARE ROW EXCLUSIVE MODE")
                for statement in QUEUE_WAITING_REBUILD:
                    conn.execute(statement)
            have = {
                (r[0], r[1])
                for r in conn.execute(
                    "SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema()"
                )
            }
            for table, column, definition in COLUMN_UPGRADES:
                if (table, column) not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            if ("rows", "owner") not in have:  # once, not a scan of every row each start
                conn.execute(FILL_OWNERS)
            conn.execute(META_SCHEMA)
            conn.execute(self._sql(SET_CREATED), [iso(datetime.now(HALL_TZ))])
            conn.execute(self._sql(SET_VERSION), ["1"])

    def close(self) -> None:
        self._pool.close()
        self._queue_pool.close()

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
    def _queue_tx(self, check: DeviceCheck | None = None) -> Iterator[_Batch]:
        """The device check goes with the first read, the event lock, the event and
        COMMIT in one round trip (``_Batch``)."""
        with self._queue_pool.connection() as conn, psycopg.ClientCursor(conn) as cur:
            prepared = self._prepared.setdefault(conn, set())
            batch = _Batch(cur, prepared)
            if check is not None:
                batch.check_device(self._sql(DEVICE_BY_TOKEN), check)
            try:
                yield batch
                batch.commit()
            except BaseException:
                # The connection goes back to the pool: never with a transaction open.
                if conn.info.transaction_status != TransactionStatus.IDLE and not conn.broken:
                    conn.execute("ROLLBACK")
                if batch.failed and not conn.broken:
                    conn.execute("DEALLOCATE ALL")
                    prepared.clear()
                raise

    def _queue_window_lock(self, cur: Any, window: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [WINDOW_LOCK, window])

    def _queue_event_lock(self, cur: Any) -> None:
        """With the lock, the event's announcement to the central's other processes,
        which PostgreSQL sends when (and only if) the transaction commits."""
        cur.execute(
            f"SELECT pg_advisory_xact_lock(%s), pg_notify('{QUEUE_CHANNEL}', '')",
            [QUEUE_EVENT_LOCK],
        )

    def follow_queue(self, wake: Callable[[], None]) -> Callable[[], None]:
        """A connection of its own LISTENs in a thread, which wakes once more each time
        it (re)connects, for what was committed while it was not listening."""
        stopping = threading.Event()

        def listen() -> None:
            while not stopping.is_set():
                try:
                    with psycopg.connect(self.dsn, autocommit=True) as conn:
                        conn.execute(f"LISTEN {QUEUE_CHANNEL}")
                        wake()
                        while not stopping.is_set():
                            for _ in conn.notifies(timeout=0.5):
                                wake()
                except psycopg.Error:
                    if not stopping.is_set():
                        log.warning("lost the queue's notifications; listening again in 1 s",
                                    exc_info=True)  # fmt: skip
                        stopping.wait(1.0)

        threading.Thread(target=listen, name="central-queue-follow", daemon=True).start()
        # The thread ends at its next half-second look; nothing is left to wait for.
        return stopping.set

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._pool.transaction() as cur:
            yield cur

    @contextlib.contextmanager
    def _lookup(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._pool.statement() as cur:
            yield cur
