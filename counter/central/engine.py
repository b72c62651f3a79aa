"""The central store behind one interface; SQLite and PostgreSQL differ only in dialect.

Every push runs in one transaction that holds the change-log writer lock from its
first statement (``BEGIN IMMEDIATE`` on SQLite, ``pg_advisory_xact_lock`` on
PostgreSQL). That is what makes the pull cursor safe: change-log rows become visible
in cursor order, so a reader that has seen cursor N will never later find a row below
N appear. Without it, two pushes take cursors 10 and 11, 11 commits first, a reader
moves past 10, and row 10 is skipped for ever.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from counter.central import migrations
from counter.central.authority import CentralStaff, Held, merge_policy, refusal_for
from counter.central.conflicts import conflict_row, taken
from counter.central.disclosure import disclosed
from counter.central.history import HISTORY_DEVICE_KINDS, as_stored, history_refusal
from counter.central.migrations import (
    FIRST_TABLE,
    META_TABLE,
    READ_VERSION,
    SET_VERSION,
    Migration,
    SchemaTooNew,
    check_order,
    latest,
)
from counter.model.clock import Hlc, version
from counter.model.devices import DeviceKind
from counter.model.merge import Merged, Outcome, merge
from counter.sync.protocol import (
    MAX_CLOCK_AHEAD_MS,
    ErrorCode,
    PullPage,
    PushResponse,
    Refusal,
    WireOp,
)
from counter.sync.row_shapes import label, parents, shape_refusal
from counter.sync.tables import REGISTRY

log = logging.getLogger(__name__)

ENROL_CODE_TTL_MS = 24 * 3600 * 1000
CENTRAL = "central"


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so one round of SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_enrol_code() -> str:
    """Short enough to read out at the counter; single use and short-lived."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class PushConflict(Exception):
    """The whole batch is refused (409) and nothing of it applied."""

    def __init__(self, code: ErrorCode, op_id: str, detail: str = "") -> None:
        super().__init__(code.reason(detail))
        self.code = code
        self.op_id = op_id
        self.reason = code.reason(detail)


@dataclass(frozen=True)
class Device:
    """The central's own record of a device: what it may do comes from here, never
    from what a request says of itself."""

    device_id: str
    name: str
    revoked: bool
    next_seq: int
    kind: DeviceKind = DeviceKind.WINDOW
    window: str = ""
    #: Its enrol code let it bring the casework it did alone (``enrol-code --history``)
    #: and it has sent nothing else since: it may still push "import" ops
    #: (counter.central.history).
    importing: bool = False

    @classmethod
    def from_row(cls, row: Any) -> Device | None:
        if not row:
            return None
        return cls(
            row[0], row[1], bool(row[2]), int(row[3]), DeviceKind(row[4]), row[5], bool(row[6])
        )


DEVICE_COLUMNS = "device_id, name, revoked, next_seq, kind, window_no, importing"
DEVICE_BY_TOKEN = f"SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = ?"


class EnrolRefused(Exception):
    """Why a code was not exchanged for a token (the code is not spent)."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(code.reason(detail))
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Enrolled:
    token: str
    kind: DeviceKind
    window: str
    #: The device may send its history as "import" ops (a new device, a history code).
    history: bool = False


@dataclass(frozen=True)
class DeviceListing:
    device_id: str
    name: str
    kind: DeviceKind
    window: str
    revoked: bool
    enrolled_at: int
    last_seen: int | None
    refused_ops: int
    #: Its history import is still open (see Device.importing).
    importing: bool = False


@dataclass(frozen=True)
class DeviceCheck:
    """A request's bearer token and what its device must pass (``accept`` raises to
    refuse it). Called, it looks the device up on its own; a window's queue action
    instead looks it up inside its own transaction (``Engine._queue_tx``), in the same
    round trip as the action's first read."""

    token: str
    accept: Callable[[Device | None], Device]
    lookup: Callable[[str], Device | None]

    def __call__(self) -> Device:
        return self.accept(self.lookup(self.token))


SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    token_hash TEXT UNIQUE,
    revoked INTEGER NOT NULL DEFAULT 0,
    next_seq BIGINT NOT NULL DEFAULT 1,
    enrolled_at BIGINT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'window',
    window_no TEXT NOT NULL DEFAULT '',
    last_seen BIGINT
);
-- A code is made for one kind of device (and window); with device_id set it is the
-- supervisor's approval to re-key that one device, and no other may use it.
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by TEXT,
    kind TEXT NOT NULL DEFAULT 'window',
    window_no TEXT NOT NULL DEFAULT '',
    device_id TEXT
);
-- Every op ever received, once: the append-only record of what each counter did.
CREATE TABLE IF NOT EXISTS ops (
    op_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    hlc TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    state TEXT NOT NULL,
    code TEXT,
    reason TEXT,
    received_at BIGINT NOT NULL,
    UNIQUE (device_id, seq)
);
-- The current version of every shared row: ``hlc`` is its version (hybrid clock, then
-- device: counter.model.clock.version), merged field by field where the table allows
-- (counter.model.merge). ``owner`` is the device that first wrote the row ("central"
-- for what it publishes): other devices change it only as the table's rule allows
-- (counter.central.authority). ``writer`` is who last changed it ("device|staff id"),
-- named when that change meets another in a conflict.
CREATE TABLE IF NOT EXISTS rows (
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    hlc TEXT NOT NULL,
    owner TEXT,
    writer TEXT,
    PRIMARY KEY (table_name, row_id)
);
"""

CHANGES_SQLITE = """
CREATE TABLE IF NOT EXISTS changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    hlc TEXT NOT NULL,
    origin TEXT NOT NULL
)
"""

CHANGES_POSTGRES = """
CREATE TABLE IF NOT EXISTS changes (
    cursor BIGSERIAL PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    hlc TEXT NOT NULL,
    origin TEXT NOT NULL
)
"""


#: Columns added to a central made before them: (table, column, definition). Each
#: engine adds those its store lacks when it starts (``setup``).
COLUMN_UPGRADES = (
    ("devices", "kind", "TEXT NOT NULL DEFAULT 'window'"),
    ("devices", "window_no", "TEXT NOT NULL DEFAULT ''"),
    ("devices", "last_seen", "BIGINT"),
    ("enrol_codes", "kind", "TEXT NOT NULL DEFAULT 'window'"),
    ("enrol_codes", "window_no", "TEXT NOT NULL DEFAULT ''"),
    ("enrol_codes", "device_id", "TEXT"),
    ("rows", "owner", "TEXT"),
    ("rows", "writer", "TEXT"),
)
#: A row written before owners were kept belongs to the device whose op first wrote it.
FILL_OWNERS = """
UPDATE rows SET owner = coalesce((SELECT o.device_id FROM ops o
    WHERE o.table_name = rows.table_name AND o.row_id = rows.row_id AND o.state = 'applied'
    ORDER BY o.received_at, o.seq LIMIT 1), 'central')
WHERE owner IS NULL
"""

# The hall's queue, owned by the central while the counters are online (see
# counter.central.hall_queue). A ticket's full row is kept as JSON in ``row``; the
# columns beside it are the ones "call next" selects and orders by.
QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_tickets (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    number TEXT NOT NULL,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    lane INTEGER NOT NULL,
    queue_key DOUBLE PRECISION NOT NULL,
    target_window TEXT NOT NULL DEFAULT '',
    at_window TEXT NOT NULL DEFAULT '',
    person_id TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (day, number)
);
-- The head of a lane is the first entry of this index: call next reads one entry, not
-- every waiting ticket (queue_tickets_waiting, without seq, made it sort the lane).
DROP INDEX IF EXISTS queue_tickets_waiting;
CREATE INDEX IF NOT EXISTS queue_tickets_head ON queue_tickets (day, state, lane, queue_key, seq);
CREATE INDEX IF NOT EXISTS queue_tickets_window ON queue_tickets (day, at_window, state);
CREATE TABLE IF NOT EXISTS queue_numbers (
    category TEXT NOT NULL,
    numbering TEXT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (category, numbering)
);
-- How far the queue's events have been copied into rows and the change log.
CREATE TABLE IF NOT EXISTS queue_mirror (
    id INTEGER PRIMARY KEY,
    last_event BIGINT NOT NULL
);
-- Numbers set aside for one counter to issue while it is cut off from the central.
CREATE TABLE IF NOT EXISTS queue_blocks (
    category TEXT NOT NULL,
    numbering TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    reserved_at BIGINT NOT NULL,
    PRIMARY KEY (category, numbering, first_seq)
);
-- What the queue answered each device's action, by the request id the device gave it
-- (the device from its token, never from the request): the retry of an action whose
-- answer was lost gets the same answer, and nothing is done twice. Written in the
-- action's own transaction; ``answer`` is empty only inside it. Kept a day
-- (HallQueue.forget_answers); ``digest`` tells a retry from another request reusing the id.
CREATE TABLE IF NOT EXISTS queue_requests (
    device_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (device_id, request_id)
);
CREATE INDEX IF NOT EXISTS queue_requests_received ON queue_requests (received_at)
"""

# How many tickets wait in each (day, category, lane): what a new ticket's "ahead of
# you" needs, read in O(log n) instead of counting every waiting ticket on each issue
# (HallQueue._waiting_ahead; 40,000 waiting made each issue count them all). Kept by a
# trigger on queue_tickets, in the same transaction as whatever moved a ticket into or
# out of 'waiting', so no code path (issue, call, cancel, requeue, reconcile) can forget
# it. ``last_key`` is the largest place (queue_key) any ticket of the lane ever took
# when it came to wait: a new ticket holding it is its lane's last, and what is ahead of
# it is the count alone. Rebuilt from queue_tickets when either table is new
# (QUEUE_WAITING_REBUILD).
QUEUE_WAITING = """
CREATE TABLE IF NOT EXISTS queue_waiting (
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    lane INTEGER NOT NULL,
    waiting BIGINT NOT NULL,
    last_key DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (day, category, lane)
)
"""

QUEUE_WAITING_REBUILD = (
    "DELETE FROM queue_waiting",
    "INSERT INTO queue_waiting (day, category, lane, waiting, last_key)"
    " SELECT day, category, lane, count(*), max(queue_key) FROM queue_tickets"
    " WHERE state = 'waiting' GROUP BY day, category, lane",
)

# SQLite has one writer at a time: the triggers need no lock of their own.
QUEUE_WAITING_TRIGGERS_SQLITE = (
    "DROP TRIGGER IF EXISTS queue_waiting_in",
    "DROP TRIGGER IF EXISTS queue_waiting_out",
    "DROP TRIGGER IF EXISTS queue_waiting_moved_in",
    "DROP TRIGGER IF EXISTS queue_waiting_moved_out",
    """CREATE TRIGGER queue_waiting_in AFTER INSERT ON queue_tickets
    WHEN NEW.state = 'waiting' BEGIN
        INSERT INTO queue_waiting (day, category, lane, waiting, last_key)
            VALUES (NEW.day, NEW.category, NEW.lane, 1, NEW.queue_key)
            ON CONFLICT (day, category, lane) DO UPDATE
            SET waiting = waiting + 1, last_key = max(last_key, excluded.last_key);
    END""",
    """CREATE TRIGGER queue_waiting_out AFTER DELETE ON queue_tickets
    WHEN OLD.state = 'waiting' BEGIN
        UPDATE queue_waiting SET waiting = waiting - 1
            WHERE day = OLD.day AND category = OLD.category AND lane = OLD.lane;
    END""",
    """CREATE TRIGGER queue_waiting_moved_out AFTER UPDATE ON queue_tickets
    WHEN OLD.state = 'waiting' BEGIN
        UPDATE queue_waiting SET waiting = waiting - 1
            WHERE day = OLD.day AND category = OLD.category AND lane = OLD.lane;
    END""",
    """CREATE TRIGGER queue_waiting_moved_in AFTER UPDATE ON queue_tickets
    WHEN NEW.state = 'waiting' BEGIN
        INSERT INTO queue_waiting (day, category, lane, waiting, last_key)
            VALUES (NEW.day, NEW.category, NEW.lane, 1, NEW.queue_key)
            ON CONFLICT (day, category, lane) DO UPDATE
            SET waiting = waiting + 1, last_key = max(last_key, excluded.last_key);
    END""",
)


def queue_waiting_triggers_postgres(event_lock: int) -> tuple[str, ...]:
    """(The column is added first for a table made before it.) The trigger takes the
    queue's event lock (Engine._queue_event_lock) before it
    touches a count: a count row is then only ever locked by the transaction holding
    that lock, so two queue transactions cannot each hold what the other waits for
    (a reconcile holding the lock and wanting a count an issue holds). Every queue
    action that changes a ticket takes the lock for its event right after anyway."""
    return (
        f"""CREATE OR REPLACE FUNCTION queue_waiting_count() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.state = 'waiting' THEN
                    PERFORM pg_advisory_xact_lock({event_lock});
                    UPDATE queue_waiting SET waiting = waiting - 1
                        WHERE day = OLD.day AND category = OLD.category AND lane = OLD.lane;
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.state = 'waiting' THEN
                    PERFORM pg_advisory_xact_lock({event_lock});
                    INSERT INTO queue_waiting (day, category, lane, waiting, last_key)
                        VALUES (NEW.day, NEW.category, NEW.lane, 1, NEW.queue_key)
                        ON CONFLICT (day, category, lane) DO UPDATE
                        SET waiting = queue_waiting.waiting + 1,
                            last_key = GREATEST(queue_waiting.last_key, excluded.last_key);
                END IF;
            END IF;
            RETURN NULL;
        END $$""",
        "DROP TRIGGER IF EXISTS queue_waiting_count ON queue_tickets",
        "CREATE TRIGGER queue_waiting_count AFTER INSERT OR DELETE OR UPDATE OF"
        " state, day, category, lane ON queue_tickets"
        " FOR EACH ROW EXECUTE FUNCTION queue_waiting_count()",
        "ALTER TABLE queue_waiting ADD COLUMN IF NOT EXISTS last_key"
        " DOUBLE PRECISION NOT NULL DEFAULT 0",
    )


QUEUE_EVENTS_SQLITE = """
CREATE TABLE IF NOT EXISTS queue_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL,
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    lane INTEGER NOT NULL,
    at_window TEXT NOT NULL DEFAULT '',
    staff_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
)
"""

QUEUE_EVENTS_POSTGRES = QUEUE_EVENTS_SQLITE.replace(
    "id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"
)

QUEUE_EVENTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS queue_events_window ON queue_events (day, at_window, kind, id)"
)


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _Batch:
    """One push's effect, worked out in memory and then written in bulk."""

    def __init__(self, stored: dict[tuple[str, str], Held]) -> None:
        self.stored = set(stored)
        #: (kind, payload, version, owner, writer) of each row as this batch leaves it.
        self.rows = dict(stored)
        self.changed: set[tuple[str, str]] = set()
        self.changes: list[tuple[str, ...]] = []
        self.ops: list[tuple[Any, ...]] = []
        self.conflicts: list[str] = []

    def meet(self, op: WireOp, origin: str) -> Merged | None:
        """How an upsert meets the row the central holds, for tables that merge
        (counter.model.merge); None where the newer version simply wins."""
        held = self.rows.get((op.table_name, op.row_id))
        policy = merge_policy(op.table_name)
        if op.kind != "upsert" or held is None or held[0] == "delete" or policy is None:
            return None
        if op.base is None:
            return None  # a counter from before bases: the newer version wins whole
        newer = version(op.hlc, origin) > held[2]
        return merge(policy, json.loads(held[1]), op.payload, op.base, newer)

    def put(
        self,
        key: tuple[str, str],
        kind: str,
        payload: str,
        stamp: str,
        origin: str,
        writer: str = CENTRAL,
    ) -> None:
        held = self.rows.get(key)
        self.rows[key] = (kind, payload, stamp, held[3] if held is not None else origin, writer)
        if held is not None:
            self.changed.add(key)
        self.changes.append((*key, kind, payload, stamp, origin))

    def apply(self, op: WireOp, origin: str, merged: Merged | None, now_ms: int) -> None:
        """Events append; mutable rows merge or take the newer version; the log gets the
        outcome, so every counter converges on the row the central keeps."""
        key = (op.table_name, op.row_id)
        held = self.rows.get(key)
        stamp = version(op.hlc, origin)
        writer = f"{origin}|{op.actor}"
        if op.kind in ("insert", "event"):
            if held is None:
                self.put(key, op.kind, _dump(op.payload), stamp, origin, writer)
            elif op.kind == "insert" and held[1] != _dump(op.payload):
                # A second, different record under one id (a service rated on the pad
                # offline and on the phone, model.ratings.rating_id): the first stays,
                # and goes down again, so the device whose record lost converges on it
                # even when it pulled the first before it pushed its own. (Events have
                # ids of their own making, never shared: a repeat is dropped quietly.)
                self.changes.append((*key, *held[:3], CENTRAL))
            return
        if merged is not None and held is not None:
            if merged.outcome is Outcome.APPLIED and stamp > held[2]:
                self.put(key, op.kind, _dump(op.payload), stamp, origin, writer)
                return
            # A row neither device sent: it needs a version after both, so the device
            # whose change lost or was merged takes it as well as everyone else.
            after = Hlc.decode(max(stamp, held[2])).tick(now_ms).encode()
            keep = writer if merged.pushed_kept or merged.outcome is Outcome.MERGED else held[4]
            self.put(key, "upsert", _dump(merged.row), version(after, CENTRAL), CENTRAL, keep)
            return
        if held is None or stamp > held[2]:
            self.put(key, op.kind, _dump(op.payload), stamp, origin, writer)
        else:
            # The device lost last-writer-wins: send the winner down again so it converges.
            self.changes.append((*key, *held[:3], CENTRAL))


class Engine(ABC):
    """Shared logic; subclasses supply connections, the write lock and placeholders."""

    # Tests only: switching this off removes the writer serialisation (the planted bug
    # the no-skipped-row test must catch), and the hook widens the race window.
    _serialise_writers: bool = True
    _before_commit: Callable[[], None] | None = None
    # Benchmarks only: what authorising each op costs is measured against a push that
    # skips it (benchmarks/bench_authority.py); nothing else switches it off.
    _authorise: bool = True

    #: "sqlite" or "postgres": which statements of a :class:`Migration` it runs.
    dialect: str = ""

    def setup(self) -> None:
        """Make the central's tables, or bring them up to this code's version: what a
        library caller (a test, a benchmark, :func:`~counter.central.serving.open_engine`)
        does on open. The CLI and ``serve`` check the version instead and leave the
        migrating to ``counter-central migrate`` (counter.central.migrations)."""
        self.migrate()

    def migrate(self, report: Callable[[Migration], None] | None = None) -> list[Migration]:
        """Apply the migrations the store lacks, in order, each with its version in the
        same transaction (version 1, the baseline, in the engine's own way); ``report``
        hears of each as it is done. A store newer than this code is refused before
        anything is touched (:class:`SchemaTooNew`)."""
        steps = migrations.MIGRATIONS  # read now: a test may add a step
        check_order(steps)
        found = self.schema_version()
        if found is not None and found > latest():
            raise SchemaTooNew(found, latest())
        done: list[Migration] = []
        for step in steps:
            if found is not None and step.version <= found:
                continue
            if step.version == 1:
                self._baseline()  # records version 1 itself
            else:
                with self._write() as cur:
                    held = self._q(cur, READ_VERSION).fetchone()
                    if held is not None and int(held[0]) >= step.version:
                        continue  # another process applied it meanwhile
                    for statement in step.statements(self.dialect):
                        cur.execute(statement)
                    if step.run is not None:
                        step.run(cur, self)
                    self._q(cur, SET_VERSION, [str(step.version)])
            done.append(step)
            if report is not None:
                report(step)
        return done

    def schema_version(self) -> int | None:
        """The store's version: None where there is no central at all, 0 for a central
        from before versions (its tables, no ``central_meta``). A version left behind
        by tables since dropped (a test wiping its central) is no central either: the
        baseline then makes the tables again and sets the version back to 1."""
        tables = self._table_names()
        if FIRST_TABLE not in tables:
            return None
        if META_TABLE in tables:
            held = self.scalar(READ_VERSION)
            return int(held) if held is not None else 0
        return 0

    @abstractmethod
    def _table_names(self) -> set[str]:
        """The tables the store holds (the central's schema only, on PostgreSQL)."""

    @abstractmethod
    def _baseline(self) -> None:
        """Version 1: every table, index and trigger of the schema as it stood when
        versions began, and the columns an older central lacks; idempotent. It creates
        ``central_meta`` and records version 1 (and when the store was made)."""

    @abstractmethod
    def _write(self) -> contextlib.AbstractContextManager[Any]:
        """A serialised write transaction; yields a cursor-like object."""

    @abstractmethod
    def _read(self) -> contextlib.AbstractContextManager[Any]: ...

    def _lookup(self) -> contextlib.AbstractContextManager[Any]:
        """One read statement that needs no snapshot shared with another (the token
        check every request makes); engines that can skip BEGIN/COMMIT do."""
        return self._read()

    @abstractmethod
    def _sql(self, text: str) -> str:
        """Rewrite ``?`` placeholders for the driver."""

    #: Whether a queue action runs on the server's event loop instead of a worker
    #: thread. An engine whose writes are short and local to the process can: the hand-
    #: over to a thread and back cost more than the action itself (see SqliteEngine).
    queue_writes_inline: bool = False

    #: Appended to the "head of the queue" select: PostgreSQL locks the row it hands
    #: out and lets concurrent callers pass over it; SQLite has one writer anyway.
    skip_locked: str = ""

    @abstractmethod
    def _queue_tx(self, check: DeviceCheck | None = None) -> contextlib.AbstractContextManager[Any]:
        """A queue transaction (not the change-log lock: the queue has its own rules);
        ``check``, if given, passes before the transaction's first read is returned."""

    def _queue_window_lock(self, cur: Any, window: str) -> None:  # noqa: B027 - as below
        """Held to commit by a window's call: a double click cannot call two tickets."""

    def _queue_event_lock(self, cur: Any) -> None:  # noqa: B027 - SQLite: one writer
        """Taken just before a queue event is written and held to commit, so event ids
        become visible in order and the board's cursor never skips one."""

    def follow_queue(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` (from a thread of its own) whenever another process commits a
        queue event, so a board's long poll answers at once whichever of the central's
        processes took the call; returns what stops following. A SQLite central is one
        process: its own writes wake its boards, and there is nothing to follow."""
        return lambda: None

    def close(self) -> None:  # noqa: B027 - engines with nothing to release keep this
        pass

    def _q(self, cur: Any, text: str, args: list[Any] | tuple[Any, ...] = ()) -> Any:
        cur.execute(self._sql(text), list(args))
        return cur

    # -- devices ---------------------------------------------------------------------------

    def create_enrol_code(
        self,
        now_ms: int,
        kind: DeviceKind = DeviceKind.WINDOW,
        window: str = "",
        device_id: str | None = None,
        history: bool = False,
    ) -> str:
        """A one-time code for one kind of device (and window). With ``device_id`` it is
        the supervisor's approval to give that enrolled device a new token (a PC whose
        store was restored or rebuilt); a plain code never re-keys a device.

        With ``history`` the new device it enrols may bring the casework it did before
        the hall had a central (counter.central.history). Only for a device never
        enrolled, of a kind that does casework: a re-keyed device's work is at the
        central already, and a kiosk, a board or a pad has no casework to bring.
        """
        kind = DeviceKind(kind)
        if history and device_id is not None:
            raise ValueError(
                "重新登记已登记设备的登记码不能允许导入历史：该设备的办件早已同步到中心"
            )
        if history and kind not in HISTORY_DEVICE_KINDS:
            names = "、".join(k.label for k in DeviceKind if k in HISTORY_DEVICE_KINDS)
            raise ValueError(f"只有{names}有单机期间的办件可导入，{kind.label}的登记码不能允许导入")
        code = new_enrol_code()
        with self._write() as cur:
            self._q(
                cur,
                "INSERT INTO enrol_codes (code_hash, created_at, expires_at, kind, window_no,"
                " device_id, history) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    token_hash(code),
                    now_ms,
                    now_ms + ENROL_CODE_TTL_MS,
                    kind.value,
                    window,
                    device_id,
                    int(history),
                ],
            )
        return code

    def enrol(self, code: str, device_id: str, name: str, now_ms: int) -> Enrolled:
        """A fresh token for the device, as the kind and window its code was made for;
        :class:`EnrolRefused` (the code unspent) when the code is no good or the device
        is already enrolled and the code was not made to re-key it."""
        token = new_token()
        code_hash = token_hash(code.strip().upper())
        with self._write() as cur:
            row = self._q(
                cur,
                "SELECT expires_at, used_by, kind, window_no, device_id, history"
                " FROM enrol_codes WHERE code_hash = ?",
                [code_hash],
            ).fetchone()
            if row is None or row[1] is not None or row[0] < now_ms:
                raise EnrolRefused(ErrorCode.BAD_ENROL_CODE)
            kind, window, for_device = DeviceKind(row[2]), str(row[3]), row[4]
            if for_device is not None and for_device != device_id:
                raise EnrolRefused(ErrorCode.BAD_ENROL_CODE, "该登记码是为另一台设备生成的")
            existing = self._q(
                cur, "SELECT revoked FROM devices WHERE device_id = ?", [device_id]
            ).fetchone()
            if existing is not None and for_device is None:
                raise EnrolRefused(ErrorCode.DEVICE_ENROLLED, device_id)
            self._q(
                cur,
                "UPDATE enrol_codes SET used_by = ? WHERE code_hash = ?",
                [device_id, code_hash],
            )
            # Checked again here, not only where the code is made: only a device new to
            # the central, of a kind that does casework, ever opens an import.
            history = (
                bool(row[5])
                and existing is None
                and for_device is None
                and kind in HISTORY_DEVICE_KINDS
            )
            if existing is None:
                self._q(
                    cur,
                    "INSERT INTO devices (device_id, name, token_hash, enrolled_at, kind,"
                    " window_no, importing) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [device_id, name, token_hash(token), now_ms, kind.value, window, int(history)],
                )
            else:
                # A re-key never (re)opens an import: whatever the device did is at the
                # central already, or was closed.
                self._q(
                    cur,
                    "UPDATE devices SET token_hash = ?, name = ?, kind = ?, window_no = ?,"
                    " revoked = 0, enrolled_at = ?, importing = 0 WHERE device_id = ?",
                    [token_hash(token), name, kind.value, window, now_ms, device_id],
                )
        return Enrolled(token, kind, window, history)

    def device_for_token(self, token: str) -> Device | None:
        with self._lookup() as cur:
            return Device.from_row(self._q(cur, DEVICE_BY_TOKEN, [token_hash(token)]).fetchone())

    def devices(self) -> list[DeviceListing]:
        """Every device the central has enrolled, for ``counter-central devices``."""
        rows = self.query(
            "SELECT d.device_id, d.name, d.kind, d.window_no, d.revoked, d.enrolled_at,"
            " d.last_seen, (SELECT count(*) FROM ops o WHERE o.device_id = d.device_id"
            " AND o.state = 'refused'), d.importing FROM devices d"
            " ORDER BY d.kind, d.window_no, d.name"
        )
        return [
            DeviceListing(
                r[0],
                r[1],
                DeviceKind(r[2]),
                r[3],
                bool(r[4]),
                int(r[5]),
                None if r[6] is None else int(r[6]),
                int(r[7]),
                bool(r[8]),
            )
            for r in rows
        ]

    def touch(self, device_id: str, now_ms: int) -> None:
        """When the device was last heard from (kept at most once a minute: app.py)."""
        with self._write() as cur:
            self._q(
                cur, "UPDATE devices SET last_seen = ? WHERE device_id = ?", [now_ms, device_id]
            )

    def staff_record(self, staff_id: str) -> CentralStaff | None:
        """A staff member as the central published her, or None."""
        if not staff_id:
            return None
        with self._lookup() as cur:
            row = self._q(
                cur,
                "SELECT payload FROM rows WHERE table_name = 'staff' AND row_id = ?",
                [staff_id],
            ).fetchone()
        return CentralStaff.from_payload(json.loads(row[0])) if row else None

    def revoke(self, device_id: str) -> bool:
        with self._write() as cur:
            done = self._q(
                cur, "UPDATE devices SET revoked = 1 WHERE device_id = ?", [device_id]
            ).rowcount
        return bool(done)

    # -- push ------------------------------------------------------------------------------

    def push(self, device_id: str, ops: list[WireOp], now_ms: int) -> PushResponse:
        """Apply a batch in one transaction, idempotently by op id.

        Reads happen up front and writes go out together at the end (``executemany``),
        so a 500-op batch costs a handful of round trips rather than thousands.

        An "import" op (a row of the work a counter did alone, counter.central.history)
        is judged by :func:`history_refusal` instead of the staff and table rules, and
        stored as the kind the table's own ops have; the first op of another kind from
        the device closes its import, for the rest of the batch and for good.
        """
        acked: list[str] = []
        refused: list[Refusal] = []
        with self._write() as cur:
            row = self._q(
                cur, f"SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?", [device_id]
            ).fetchone()
            device = Device.from_row(row)
            assert device is not None, "push() is called for an enrolled device"
            expected = device.next_seq
            importing = device.importing
            known = {
                r[0]: r[1:]
                for r in self._in(
                    cur, "SELECT op_id, hash, state, code, reason FROM ops WHERE op_id IN", ops
                )
            }
            stored = self._held(cur, ops)
            staff = self._staff_of(cur, ops)
            batch = _Batch(stored)
            for op in sorted(ops, key=lambda o: o.seq):
                digest = op.content_hash()
                if op.op_id in known:
                    seen_hash, state, code, reason = known[op.op_id]
                    if seen_hash != digest:
                        raise PushConflict(ErrorCode.HASH_MISMATCH, op.op_id, op.op_id)
                    if state == "refused":
                        refused.append(Refusal(op_id=op.op_id, code=code, reason=reason or ""))
                    else:
                        acked.append(op.op_id)
                    continue
                if op.seq < expected:
                    raise PushConflict(ErrorCode.SEQUENCE_REUSED, op.op_id, f"seq {op.seq}")
                if op.seq > expected:
                    break  # a gap: the answer's next_expected_seq tells the device
                expected += 1
                # What is stored: an import as its table's own kind (the ops log keeps
                # the op as received); every other op as sent.
                stored_op = as_stored(op)
                held = batch.rows.get((op.table_name, op.row_id))
                merged = None
                if op.kind == "import":
                    # Whether it may import at all first, so a device that may not is
                    # told that for every op; never skipped (not even by _authorise):
                    # without it an import overwrites anything, in anyone's name.
                    so_far = dataclasses.replace(device, importing=importing)
                    refusal = (
                        history_refusal(so_far, op, held, batch.rows)
                        or self._check(stored_op, now_ms)
                        or self._orphan(stored_op, batch)
                    )
                else:
                    importing = False  # the counter's history is all sent: closed for good
                    refusal = self._check(op, now_ms) or self._orphan(op, batch)
                    merged = batch.meet(op, device_id) if refusal is None else None
                    if refusal is None and self._authorise:
                        row = merged.row if merged is not None else None
                        refusal = refusal_for(device, op, held, staff.get(op.actor), row)
                if refusal is not None:
                    log.warning(
                        "refused op %s from device %s (%s): %s",
                        op.op_id,
                        device_id,
                        op.table_name,
                        refusal[1],
                    )
                if refusal is None and op.kind == "import" and held is not None:
                    # A row the hall had already (history.HALL_KEEPS): the hall's stays
                    # and goes down again, so the counter converges on it.
                    batch.changes.append((op.table_name, op.row_id, *held[:3], CENTRAL))
                    acked.append(op.op_id)
                elif refusal is None:
                    batch.apply(stored_op, device_id, merged, now_ms)
                    acked.append(op.op_id)
                    if merged is not None and merged.outcome is Outcome.CONFLICT:
                        assert held is not None
                        self._list_conflict(cur, batch, op, device, held, merged, staff, now_ms)
                    if op.table_name == "sync_conflicts" and op.payload.get("choice") == "taken":
                        self._settle_conflict(cur, batch, op, now_ms)
                else:
                    refused.append(Refusal(op_id=op.op_id, code=refusal[0], reason=refusal[1]))
                batch.ops.append(
                    (
                        op.op_id,
                        device_id,
                        op.seq,
                        op.table_name,
                        op.row_id,
                        op.kind,
                        _dump(op.payload),
                        op.hlc,
                        op.schema_version,
                        digest,
                        "applied" if refusal is None else "refused",
                        refusal[0].value if refusal else None,
                        refusal[1] if refusal else None,
                        now_ms,
                    )
                )
            self._write_batch(cur, batch)
            self._q(
                cur,
                "UPDATE devices SET next_seq = ?, importing = ? WHERE device_id = ?",
                [expected, int(importing), device_id],
            )
            if self._before_commit is not None:
                self._before_commit()
        return PushResponse(
            acked=acked,
            refused=refused,
            next_expected_seq=expected,
            conflicts=batch.conflicts,
            central_ms=now_ms,
        )

    def _settle_conflict(self, cur: Any, batch: _Batch, op: WireOp, now_ms: int) -> None:
        """A supervisor chose the listed version: put it in place of the kept one, as the
        central's own change with a version after both, so every counter takes it."""
        key = (str(op.payload.get("table_name", "")), str(op.payload.get("row_id", "")))
        if key not in batch.rows:
            found = self._q(
                cur,
                "SELECT kind, payload, hlc, owner, writer FROM rows"
                " WHERE table_name = ? AND row_id = ?",
                list(key),
            ).fetchone()
            if found is None:
                return
            batch.rows[key] = (found[0], found[1], found[2], found[3] or CENTRAL, found[4] or "")
            batch.stored.add(key)
        held = batch.rows[key]
        row = taken(json.loads(held[1]), op.payload)
        after = Hlc.decode(held[2]).tick(now_ms).encode()
        batch.put(
            key, "upsert", _dump(row), version(after, CENTRAL), CENTRAL, f"{CENTRAL}|{op.actor}"
        )

    def _list_conflict(
        self,
        cur: Any,
        batch: _Batch,
        op: WireOp,
        device: Device,
        held: Held,
        merged: Merged,
        staff: dict[str, CentralStaff],
        now_ms: int,
    ) -> None:
        """Put a conflict on the hall's 同步冲突 list, in the push's own transaction:
        the change that lost is kept there, with who made each and when."""
        other_device, _, other_actor = held[4].partition("|")
        people = dict(staff)
        if other_actor and other_actor not in people:
            found = self.staff_record(other_actor)
            if found is not None:
                people[other_actor] = found
        devices = {device.device_id: device}
        if other_device and other_device != device.device_id:
            row = self._q(
                cur, f"SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?", [other_device]
            ).fetchone()
            other = Device.from_row(row)
            if other is not None:
                devices[other_device] = other
        payload = conflict_row(op, device, held, merged, devices, people, now_ms)
        stamp = version(Hlc(now_ms).encode(), CENTRAL)
        batch.put(("sync_conflicts", payload["id"]), "upsert", _dump(payload), stamp, CENTRAL)
        batch.conflicts.append(op.op_id)
        log.warning(
            "conflict on %s %s: %s from device %s met a change from %s",
            op.table_name,
            op.row_id,
            ", ".join(c.field for c in merged.clashes),
            device.device_id,
            other_device or "?",
        )

    def _held(self, cur: Any, ops: list[WireOp]) -> dict[tuple[str, str], Held]:
        """The rows a batch touches, and the rows they refer to, as the central holds
        them: read once, up front."""
        wanted: dict[str, set[str]] = {}
        for op in ops:
            wanted.setdefault(op.table_name, set()).add(op.row_id)
            for table, row_id in parents(op.table_name, op.kind, op.row_id, op.payload):
                wanted.setdefault(table, set()).add(row_id)
        stored: dict[tuple[str, str], Held] = {}
        for table, row_ids in wanted.items():
            ids = sorted(row_ids)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found = self._q(
                    cur,
                    "SELECT table_name, row_id, kind, payload, hlc, owner, writer FROM rows"
                    f" WHERE table_name = ? AND row_id IN ({','.join('?' * len(chunk))})",
                    [table, *chunk],
                ).fetchall()
                for r in found:
                    stored[(r[0], r[1])] = (r[2], r[3], r[4], r[5] or CENTRAL, r[6] or "")
        return stored

    @staticmethod
    def _orphan(op: WireOp, batch: _Batch) -> tuple[ErrorCode, str] | None:
        """An op whose row names a row the hall does not have (a material of a case that
        was never pushed): every counter would fail to write it, so it is refused here
        rather than left to stop their pulls."""
        for table, row_id in parents(op.table_name, op.kind, op.row_id, op.payload):
            held = batch.rows.get((table, row_id))
            if held is None or held[0] == "delete":
                return ErrorCode.INVALID, ErrorCode.INVALID.reason(
                    f"引用的{label(table)}“{row_id}”在中心不存在"
                )
        return None

    def _staff_of(self, cur: Any, ops: list[WireOp]) -> dict[str, CentralStaff]:
        """The central's records of the staff the ops name, read once for the batch."""
        named = [op for op in ops if op.actor]
        if not named:
            return {}
        found = self._in(
            cur,
            "SELECT row_id, payload FROM rows WHERE table_name = 'staff' AND row_id IN",
            named,
            key=lambda op: op.actor,
        )
        return {r[0]: CentralStaff.from_payload(json.loads(r[1])) for r in found}

    def _in(
        self,
        cur: Any,
        select: str,
        ops: list[WireOp],
        key: Callable[[WireOp], str] = lambda op: op.op_id,
        first: list[Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        values = sorted({key(op) for op in ops})
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            sql = f"{select} ({','.join('?' * len(chunk))})"
            found += [tuple(r) for r in self._q(cur, sql, [*(first or []), *chunk]).fetchall()]
        return found

    def _write_batch(self, cur: Any, batch: _Batch) -> None:
        new = [(t, r, *batch.rows[(t, r)]) for t, r in batch.rows if (t, r) not in batch.stored]
        changed = [
            (*batch.rows[key][:3], batch.rows[key][4], *key)
            for key in batch.changed
            if key in batch.stored
        ]
        if new:
            cur.executemany(
                self._sql(
                    "INSERT INTO rows (table_name, row_id, kind, payload, hlc, owner, writer)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                new,
            )
        if changed:
            cur.executemany(
                self._sql(
                    "UPDATE rows SET kind = ?, payload = ?, hlc = ?, writer = ?"
                    " WHERE table_name = ? AND row_id = ?"
                ),
                changed,
            )
        if batch.changes:
            cur.executemany(
                self._sql(
                    "INSERT INTO changes (table_name, row_id, kind, payload, hlc, origin)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                ),
                batch.changes,
            )
        if batch.ops:
            cur.executemany(
                self._sql(
                    "INSERT INTO ops (op_id, device_id, seq, table_name, row_id, kind, payload,"
                    " hlc, schema_version, hash, state, code, reason, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                batch.ops,
            )

    def _check(self, op: WireOp, now_ms: int) -> tuple[ErrorCode, str] | None:
        table = REGISTRY[op.table_name]
        if not table.pushable:
            return ErrorCode.READ_ONLY_TABLE, ErrorCode.READ_ONLY_TABLE.reason(op.table_name)
        bad = shape_refusal(op.table_name, op.kind, op.row_id, op.payload)
        if bad is not None:
            return ErrorCode.INVALID, ErrorCode.INVALID.reason(bad)
        ahead = Hlc.decode(op.hlc).wall_ms - now_ms
        if ahead > MAX_CLOCK_AHEAD_MS:
            return ErrorCode.CLOCK_AHEAD, ErrorCode.CLOCK_AHEAD.reason(
                f"快 {ahead // 1000} 秒 / {ahead // 1000} s ahead"
            )
        return None

    def _put_row(
        self, cur: Any, table: str, row_id: str, kind: str, payload: str, hlc: str, *, new: bool
    ) -> None:
        if new:
            self._q(
                cur,
                "INSERT INTO rows (table_name, row_id, kind, payload, hlc, owner)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [table, row_id, kind, payload, hlc, CENTRAL],
            )
        else:
            self._q(
                cur,
                "UPDATE rows SET kind = ?, payload = ?, hlc = ?"
                " WHERE table_name = ? AND row_id = ?",
                [kind, payload, hlc, table, row_id],
            )

    def _log(
        self, cur: Any, table: str, row_id: str, kind: str, payload: str, hlc: str, origin: str
    ) -> None:
        self._q(
            cur,
            "INSERT INTO changes (table_name, row_id, kind, payload, hlc, origin)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [table, row_id, kind, payload, hlc, origin],
        )

    # -- central-authored rows (catalog, staff) ----------------------------------------------

    def publish(
        self, table: str, row_id: str, payload: dict[str, Any], now_ms: int, kind: str = "upsert"
    ) -> str:
        """Write a central-authoritative row and log it for every counter to pull."""
        with self._write() as cur:
            return self._publish(cur, table, row_id, payload, now_ms, kind)

    def publish_new(self, rows: list[tuple[str, str, dict[str, Any]]], now_ms: int) -> bool:
        """Publish ``rows`` (table, row id, payload) together, in one transaction, unless
        the first is held already (False: nothing written). The check and the writes
        share the write lock, so of two processes publishing the same first row one
        writes and the other is told; and a crash leaves all of them or none (a rating
        and the follow-up it opens)."""
        with self._write() as cur:
            table, row_id, _ = rows[0]
            held = self._q(
                cur,
                "SELECT 1 FROM rows WHERE table_name = ? AND row_id = ? AND kind <> 'delete'",
                [table, row_id],
            ).fetchone()
            if held:
                return False
            for table, row_id, payload in rows:
                self._publish(cur, table, row_id, payload, now_ms, "upsert")
        return True

    def _publish(
        self, cur: Any, table: str, row_id: str, payload: dict[str, Any], now_ms: int, kind: str
    ) -> str:
        held = self._q(
            cur,
            "SELECT hlc FROM rows WHERE table_name = ? AND row_id = ?",
            [table, row_id],
        ).fetchone()
        clock = Hlc.decode(held[0]).tick(now_ms) if held else Hlc(now_ms)
        hlc = version(clock.encode(), CENTRAL)
        text = _dump(payload)
        self._put_row(cur, table, row_id, kind, text, hlc, new=held is None)
        self._log(cur, table, row_id, kind, text, hlc, CENTRAL)
        return hlc

    # -- pull ------------------------------------------------------------------------------

    def _changes_after(self, cursor: int, limit: int) -> list[tuple[Any, ...]]:
        with self._read() as cur:
            rows: list[tuple[Any, ...]] = self._q(
                cur,
                "SELECT cursor, table_name, row_id, kind, payload, hlc, origin FROM changes"
                " WHERE cursor > ? ORDER BY cursor LIMIT ?",
                [cursor, limit + 1],
            ).fetchall()
            return rows

    def pull(self, cursor: int, limit: int) -> PullPage:
        return PullPage.model_validate_json(self.pull_json(cursor, limit))

    def pull_json(
        self, cursor: int, limit: int, device: Device | None = None, now_ms: int | None = None
    ) -> str:
        return self.pull_page(cursor, limit, device, now_ms)[0]

    def pull_page(
        self, cursor: int, limit: int, device: Device | None = None, now_ms: int | None = None
    ) -> tuple[str, int]:
        """A :class:`PullPage` as JSON, payloads spliced in as stored (already JSON), and
        how many changes it holds (counted for ``/metrics``).

        Building the page text directly keeps the first 500,000-row pull from spending
        its time decoding and re-encoding every payload on the central. What ``device``
        may not hold is left out or cut down (counter.central.disclosure); the cursor
        still moves past it.
        """
        rows = self._changes_after(cursor, limit)
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1][0] if rows else cursor
        if device is not None:
            rows = disclosed(device.kind, rows)
        dumps = json.dumps
        items = ",".join(
            f'{{"cursor":{r[0]},"table_name":{dumps(r[1])},"row_id":{dumps(r[2])},'
            f'"kind":{dumps(r[3])},"payload":{r[4]},"hlc":{dumps(r[5])},"origin":{dumps(r[6])}}}'
            for r in rows
        )
        more_text = "true" if more else "false"
        clock = "" if now_ms is None else f',"central_ms":{now_ms}'
        return f'{{"changes":[{items}],"cursor":{last},"more":{more_text}{clock}}}', len(rows)

    # -- inspection (CLI, tests) -----------------------------------------------------------

    def scalar(self, sql: str, args: list[Any] | None = None) -> Any:
        with self._read() as cur:
            row = self._q(cur, sql, args or []).fetchone()
        return row[0] if row else None

    def query(self, sql: str, args: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._read() as cur:
            return [tuple(r) for r in self._q(cur, sql, args or []).fetchall()]

    def execute(self, sql: str, args: list[Any] | None = None) -> int:
        """One statement in a write transaction of its own (the web side's sessions and
        sign-in counts); how many rows it changed."""
        with self._write() as cur:
            return int(self._q(cur, sql, args or []).rowcount)
