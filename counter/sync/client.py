"""The sync agent's logic, without Qt: push the outbox, pull the change log.

Rules kept here (docs/architecture.md "Sync"): ops go up in device-sequence order with
one batch in flight; an op leaves the outbox only on its ack; a refused op stays,
marked, for the supervisor; a pulled page and its cursor are saved in one local
transaction; an upsert applies only when newer, and never over a row that still has
local ops waiting. Network trouble, 5xx, 408 and 429 are retried with jittered
exponential backoff; 400/401/403/409 are not, because sending the same thing again
cannot succeed.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.log import sync as log
from counter.model.clock import HALL_TZ, Hlc, iso, to_ms, version
from counter.model.errors import NetworkError, ValidationError
from counter.store import case_packs, outbox, staff_store, sync_state
from counter.store.db import immediate
from counter.sync import compaction, history, pinning
from counter.sync.protocol import (
    ANSWER_VERSION,
    MAX_CLOCK_AHEAD_MS,
    Change,
    EnrolResponse,
    ErrorCode,
    PullPage,
    PushResponse,
)
from counter.sync.tables import REGISTRY, row_statement
from counter.sync.transport import HttpTransport, Response, Transport, TransportError

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
#: The outbox's ops still to be pushed, as a source for ``SyncClient._keyed``.
PENDING = "(SELECT table_name, row_id FROM outbox WHERE state = 'pending')"
#: How far this PC's clock may be off the central's before the status bar says so.
CLOCK_WARNING_MS = 60 * 1000
#: A supervisor waits for the answer at the sync page: a wrong address should say so
#: in seconds, not after the agent's patient 30.
ENROL_TIMEOUT_S = 10.0


class SyncOffline(NetworkError):
    """The central could not be reached after the retries; try again on the next tick."""


class SyncBlocked(Exception):
    """The central said no in a way a retry cannot fix (bad token, revoked, bad data)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    pending: int
    refused: int
    cursor: int
    last_success_at: str | None
    last_error: str
    blocked: bool
    #: Pulled changes this counter could not apply, kept and retried (pull_failures).
    pull_failures: int = 0
    #: How far this PC's clock is off the central's (central minus local, ms).
    clock_offset_ms: int = 0
    #: The hall's conflicts waiting for a supervisor (the 同步冲突 list).
    conflicts: int = 0


@dataclass(frozen=True)
class PullFailure:
    """A change from the central that this counter could not apply, as it was kept."""

    cursor: int
    table_name: str
    row_id: str
    kind: str
    error: str
    first_seen_at: str
    last_tried_at: str
    attempts: int


@dataclass(frozen=True)
class StepResult:
    pushed: int
    pulled: int
    online: bool
    error: str = ""


#: SQLite's errors that are the store's, not a row's: they would fail every change alike.
_STORE_FAULTS = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
    "SQLITE_NOMEM",
    "SQLITE_CANTOPEN",
    "SQLITE_INTERRUPT",
    "SQLITE_PERM",
    "SQLITE_PROTOCOL",
)


def _row_fault(exc: Exception) -> bool:
    """Whether a change failed for what it holds (set it aside, carry on) rather than
    for the store (fail the page: setting every row aside for a full disk would lose
    the lot to the list, and the next pull would find the disk fixed)."""
    if isinstance(exc, MemoryError):
        return False
    return not str(getattr(exc, "sqlite_errorname", "")).startswith(_STORE_FAULTS)


def backoff_delay(attempt: int, rng: random.Random, base: float, cap: float) -> float:
    """Full jitter: counters that lost the central together do not return together."""
    return rng.uniform(0, min(cap, base * 2**attempt))


class SyncClient:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        clock: Callable[[], datetime],
        batch_size: int = 500,
        page_size: int = 1000,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.transport = transport
        self.clock = clock
        self.batch_size = batch_size
        self.page_size = page_size
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.device_id = outbox.device_id(db)
        self.acked_total = 0
        self._column_cache: dict[str, tuple[str, ...]] = {}

    # -- one exchange, retried when retrying can help -----------------------------------

    def _call(
        self, method: str, path: str, *, body: Any = None, params: dict[str, Any] | None = None
    ) -> Response:
        last = ""
        for attempt in range(self.max_attempts):
            if attempt:
                self.sleep(backoff_delay(attempt - 1, self.rng, self.base_delay, self.max_delay))
            try:
                answer = self.transport.request(method, path, body=body, params=params)
            except TransportError as exc:
                last = str(exc)
                continue
            if answer.status in RETRYABLE:
                last = f"{answer.status} {answer.body.get('reason', '')}"
                continue
            return answer
        raise SyncOffline(last)

    # -- push ----------------------------------------------------------------------------

    def push_batch(self) -> int:
        """Send the oldest pending ops; returns how many left the outbox (acked)."""
        ops = outbox.pending(self.db, self.batch_size)
        if not ops:
            return 0
        body = {
            "device_id": self.device_id,
            "ops": [
                {
                    "seq": op.seq,
                    "op_id": op.op_id,
                    "table_name": op.table_name,
                    "row_id": op.row_id,
                    "kind": op.kind,
                    "payload": op.payload,
                    "hlc": op.hlc,
                    "schema_version": op.schema_version,
                    # Only when there is someone to name: a central from before them
                    # refuses fields it does not know.
                    **({"actor": op.actor, "proof": op.proof} if op.actor else {}),
                    **({"base": op.base} if op.base is not None else {}),
                }
                for op in ops
            ],
        }
        sent_ms = to_ms(self.clock())
        answer = self._call("POST", "/v1/push", body=body, params={"answer": ANSWER_VERSION})
        if answer.status == 200:
            response = PushResponse.model_validate(answer.body)
            settled = self._settle(ops, response)
            self._heard_from(response.central_ms, sent_ms)
            return settled
        op_id = answer.body.get("op_id")
        reason = str(answer.body.get("reason", ""))
        if answer.status == 409 and op_id and any(op.op_id == op_id for op in ops):
            # This op can never be accepted as it is; keep it for the supervisor and let
            # the rest of the outbox move on.
            self._refuse(op_id, f"[{answer.body.get('code', answer.status)}] {reason}")
            return 0
        if answer.status == 413 and len(ops) > 1:
            self.batch_size = max(1, len(ops) // 2)
            return self.push_batch()
        raise SyncBlocked(answer.status, reason or str(answer.body))

    def _refuse(self, op_id: str, reason: str) -> None:
        with immediate(self.db):
            self.db.execute(
                "UPDATE outbox SET state = 'refused', refused_reason = ? WHERE op_id = ?",
                [reason, op_id],
            )
        log.warning("op %s refused by the central: %s", op_id, reason)

    def _settle(self, ops: list[outbox.Op], answer: PushResponse) -> int:
        acked = set(answer.acked)
        now = iso(self.clock())
        with immediate(self.db):
            for op in ops:
                if op.op_id in acked and op.kind in ("upsert", "delete"):
                    self._remember_hlc(op.table_name, op.row_id, op.hlc)
            # By seq, the outbox's row id: op ids are not indexed (see m0010).
            seqs = [op.seq for op in ops if op.op_id in acked]
            by_id = {op.op_id: op.seq for op in ops}
            self.acked_total += len(seqs)
            # Refusals first: the checkpoint keeps the clock of what still counts.
            for refusal in answer.refused:
                self.db.execute(
                    "UPDATE outbox SET state = 'refused', refused_reason = ? WHERE seq = ?",
                    [f"[{refusal.code.value}] {refusal.reason}", by_id.get(refusal.op_id)],
                )
            outbox.checkpoint(self.db)
            for start in range(0, len(seqs), 500):
                chunk = seqs[start : start + 500]
                self.db.execute(
                    f"DELETE FROM outbox WHERE state = 'pending' AND seq IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                )
            self.db.execute(
                "UPDATE sync_state SET next_expected_seq = ?, last_push_at = ?,"
                " last_success_at = ?, last_error = '', blocked = 0 WHERE id = 1",
                [answer.next_expected_seq, now, now],
            )
        for refusal in answer.refused:
            log.warning("op %s refused: %s", refusal.op_id, refusal.reason)
        for op_id in answer.conflicts:
            log.warning("op %s met another window's change: listed under 同步冲突", op_id)
        waiting = outbox.pending(self.db, 1)
        if waiting and waiting[0].seq > answer.next_expected_seq:
            raise SyncBlocked(
                409,
                f"本机序号缺口：中心等待第 {answer.next_expected_seq} 号，"
                f"本机最早待传第 {waiting[0].seq} 号",
            )
        return len(seqs)

    def _remember_hlc(self, table: str, row_id: str, hlc: str) -> None:
        """The local row now holds this acked op's version, so it is the one to compare
        pulls against — even when older than a version pulled before. Keeping the larger
        made the central's re-sent winner look stale after this counter lost last-writer-
        wins, and the counter kept its own value for ever (found by the soak). The
        version names this device, as the central's does (counter.model.clock.version):
        with the bare clock, a tie with another device's op was never broken."""
        self.db.execute(
            "INSERT INTO sync_rows (table_name, row_id, hlc) VALUES (?, ?, ?) "
            "ON CONFLICT (table_name, row_id) DO UPDATE SET hlc = excluded.hlc",
            [table, row_id, version(hlc, self.device_id)],
        )

    def _heard_from(self, central_ms: int, sent_ms: int) -> None:
        """The central's clock, as it answered: keep how far this PC's clock is off (ops
        are stamped in the central's time, and the sync page says so when it is far),
        and bring a clock that ran past what the central accepts back to its bound, so a
        clock once far too fast and then fixed does not keep every new op refused."""
        if central_ms <= 0:
            return  # a central from before it tells the time
        now = self.clock()
        local_ms = (sent_ms + to_ms(now)) // 2
        offset = central_ms - local_ms
        with immediate(self.db):
            self.db.execute(
                "UPDATE sync_state SET clock_offset_ms = ?, clock_checked_at = ? WHERE id = 1",
                [offset, iso(now)],
            )
            outbox.lower_clock(self.db, Hlc(central_ms + MAX_CLOCK_AHEAD_MS))
        if abs(offset) >= CLOCK_WARNING_MS:
            log.warning("this PC's clock is %d s off the central's", offset // 1000)

    def push(self, max_batches: int = 1000) -> int:
        total = 0
        for _ in range(max_batches):
            before = outbox.pending_count(self.db)
            if before == 0:
                break
            total += self.push_batch()
            if outbox.pending_count(self.db) == before:
                break
        return total

    # -- pull ----------------------------------------------------------------------------

    def cursor(self) -> int:
        return int(self.db.execute("SELECT cursor FROM sync_state WHERE id = 1").fetchone()[0])

    def pull_page(self) -> tuple[int, bool]:
        """Fetch and apply one page; returns (changes applied, more to come)."""
        sent_ms = to_ms(self.clock())
        answer = self._call(
            "GET",
            "/v1/pull",
            params={"cursor": self.cursor(), "limit": self.page_size, "answer": ANSWER_VERSION},
        )
        if answer.status != 200:
            raise SyncBlocked(answer.status, str(answer.body.get("reason", answer.body)))
        page = PullPage.model_validate(answer.body)
        now = self.clock()
        with immediate(self.db):
            applied = self._apply_page(page.changes, now)
            self._save_cursor(page.cursor, now)
            if page.changes:
                # Every change seen moves this device's clock past it (hybrid logical
                # clock): what it does next orders after what it has seen.
                seen = max(Hlc.decode(c.hlc) for c in page.changes)
                outbox.advance_clock(self.db, seen, to_ms(now))
        self._heard_from(page.central_ms, sent_ms)
        return applied, page.more

    def _save_cursor(self, cursor: int, now: datetime) -> None:
        self.db.execute(
            "UPDATE sync_state SET cursor = ?, last_pull_at = ?, last_success_at = ?,"
            " last_error = '', blocked = 0 WHERE id = 1",
            [cursor, iso(now), iso(now)],
        )

    def _keyed(self, source: str, columns: str, keys: set[tuple[str, str]]) -> list[Any]:
        """Rows of ``source`` for these (table, row id) keys, by its (table_name, row_id)
        index: one query per table and 500 ids, so a page costs a few lookups."""
        by_table: dict[str, list[str]] = {}
        for table, row_id in keys:
            by_table.setdefault(table, []).append(row_id)
        found: list[Any] = []
        for table, row_ids in by_table.items():
            for start in range(0, len(row_ids), 500):
                chunk = row_ids[start : start + 500]
                found += self.db.execute(
                    f"SELECT {columns} FROM {source} WHERE table_name = ? AND row_id IN"
                    f" ({','.join('?' * len(chunk))})",
                    [table, *chunk],
                ).fetchall()
        return found

    def _apply_page(self, changes: list[Change], now: datetime) -> int:
        """Apply a page inside the caller's transaction, whatever is in it.

        The page goes in whole when it can (runs of ``executemany``: the first pull of a
        hall's history). When a change in it cannot be written here — a material whose
        case never came, a row missing a required column, a table's own apply failing —
        the page goes in again one change at a time, each under a savepoint: the good
        ones land, a bad one is rolled back alone and kept in ``pull_failures`` for the
        sync page and a later retry, and the cursor moves past it. One such row used to
        fail every pull of every counter behind it, for good (issue 25). A fault of the
        store itself (a full disk, a lock) is no row's: it fails the page, pulled again.
        """
        self.db.execute("SAVEPOINT pulled_page")
        try:
            applied = self._apply_run(changes, now)
        except Exception as exc:
            self.db.execute("ROLLBACK TO pulled_page")
            self.db.execute("RELEASE pulled_page")
            if not _row_fault(exc):
                raise
            log.warning("a pulled page did not go in whole (%s); applying it change by change", exc)
            return self._apply_singly(changes, now)
        self.db.execute("RELEASE pulled_page")
        return applied

    def _apply_singly(self, changes: list[Change], now: datetime) -> int:
        """Each change under its own savepoint; those that fail are kept, not applied."""
        applied = 0
        for change in changes:
            done, error = self._try_change(change, now)
            applied += done
            if error:
                self._keep_failure(change, error, now)
        return applied

    def _try_change(self, change: Change, now: datetime) -> tuple[int, str]:
        """Apply one change, rolled back alone if it fails: (applied, why it failed)."""
        self.db.execute("SAVEPOINT pulled_change")
        try:
            done = self._apply_run([change], now)
        except Exception as exc:
            self.db.execute("ROLLBACK TO pulled_change")
            self.db.execute("RELEASE pulled_change")
            if not _row_fault(exc):
                raise
            return 0, f"{type(exc).__name__}: {exc}"
        self.db.execute("RELEASE pulled_change")
        return done, ""

    def _keep_failure(self, change: Change, error: str, now: datetime) -> None:
        """Kept by its place in the change log: pulled again (a resync), it stays one."""
        self.db.execute(
            "INSERT INTO pull_failures (cursor, table_name, row_id, kind, payload, hlc, origin,"
            " error, first_seen_at, last_tried_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (cursor) DO UPDATE SET error = excluded.error,"
            " last_tried_at = excluded.last_tried_at, attempts = attempts + 1",
            [
                change.cursor,
                change.table_name,
                change.row_id,
                change.kind,
                json.dumps(change.payload, ensure_ascii=False, default=str),
                change.hlc,
                change.origin,
                error,
                iso(now),
                iso(now),
            ],
        )
        log.warning(
            "pulled change %d (%s %s %s) cannot be applied here, kept and passed: %s",
            change.cursor,
            change.kind,
            change.table_name,
            change.row_id,
            error,
        )

    def retry_pull_failures(self) -> int:
        """Try the kept changes again, oldest first, each under its own savepoint; returns
        how many landed. One whose parent has arrived since lands and leaves the list, as
        does one a newer version of its row has made moot; the rest stay, counted. Run
        once a sync, after its pull, so parents pulled in the same sync are there."""
        kept = self.db.execute(
            "SELECT cursor, table_name, row_id, kind, payload, hlc, origin FROM pull_failures"
            " ORDER BY cursor"
        ).fetchall()
        if not kept:
            return 0
        now = self.clock()
        applied = 0
        with immediate(self.db):
            for cursor, table_name, row_id, kind, payload, hlc, origin in kept:
                change = Change.model_validate(
                    {
                        "cursor": cursor,
                        "table_name": table_name,
                        "row_id": row_id,
                        "kind": kind,
                        "payload": json.loads(payload),
                        "hlc": hlc,
                        "origin": origin,
                    }
                )
                done, error = self._try_change(change, now)
                applied += done
                if error:
                    self.db.execute(
                        "UPDATE pull_failures SET error = ?, last_tried_at = ?,"
                        " attempts = attempts + 1 WHERE cursor = ?",
                        [error, iso(now), cursor],
                    )
                else:
                    self.db.execute("DELETE FROM pull_failures WHERE cursor = ?", [cursor])
                    log.info(
                        "pulled change %d (%s %s) applied on retry", cursor, table_name, row_id
                    )
        return applied

    def _apply_run(self, changes: list[Change], now: datetime) -> int:
        """Apply changes inside the caller's transaction; lookups are made per run (a
        page, or one change when the page would not go in whole)."""
        keys = {(c.table_name, c.row_id) for c in changes}
        # A case is packed whole or not at all: one whose rows arrive is unpacked first.
        case_packs.unpack(
            self.db,
            {
                str(c.payload.get("case_id") or c.row_id.split("/")[0])
                for c in changes
                if c.table_name in case_packs.TABLES
            },
        )
        # Only ops still to be pushed hold a pulled row back: a refused change is not the
        # hall's, and the row takes the hall's version (SyncService.resubmit puts it back).
        waiting = {(t, r) for t, r in self._keyed(PENDING, "table_name, row_id", keys)}
        held = {(t, r): h for t, r, h in self._keyed("sync_rows", "table_name, row_id, hlc", keys)}
        clocks: dict[tuple[str, str], str] = {}
        applied = 0
        run_sql = ""
        run_args: list[list[Any]] = []
        for change in changes:
            table = REGISTRY.get(change.table_name)
            key = (change.table_name, change.row_id)
            if table is None or key in waiting:
                continue
            if table.apply is None and not self._columns(table.name):
                continue  # pushed from here but not kept at a counter (e.g. print_log)
            if change.kind in ("upsert", "delete"):
                if key in held and held[key] >= change.hlc:
                    continue
                held[key] = clocks[key] = change.hlc
            applied += 1
            if table.apply is not None:
                self._flush(run_sql, run_args)
                run_sql, run_args = "", []
                table.apply(self.db, change, now)
                continue
            sql, args = row_statement(table, change, self._columns(table.name))
            if sql != run_sql:
                self._flush(run_sql, run_args)
                run_sql, run_args = sql, []
            run_args.append(args)
        self._flush(run_sql, run_args)
        self.db.conn.executemany(
            "INSERT INTO sync_rows (table_name, row_id, hlc) VALUES (?, ?, ?) "
            "ON CONFLICT (table_name, row_id) DO UPDATE SET hlc = max(hlc, excluded.hlc)",
            [(t, r, h) for (t, r), h in clocks.items()],
        )
        return applied

    def _flush(self, sql: str, rows: list[list[Any]]) -> None:
        """Consecutive changes with the same statement go as one ``executemany``."""
        if rows:
            self.db.conn.executemany(sql, rows)

    def _columns(self, table: str) -> tuple[str, ...]:
        if table not in self._column_cache:
            self._column_cache[table] = tuple(
                r[1] for r in self.db.execute(f"PRAGMA table_info([{table}])").fetchall()
            )
        return self._column_cache[table]

    def pull(self, max_pages: int = 100_000) -> int:
        total = 0
        for _ in range(max_pages):
            applied, more = self.pull_page()
            total += applied
            if not more:
                break
        return total + self.retry_pull_failures()

    # -- the agent's tick ----------------------------------------------------------------

    def step(self) -> StepResult:
        """Push everything waiting, then pull everything new; never raises for the network."""
        before = self.acked_total
        pulled = 0
        try:
            self.push()
            pulled = self.pull()
        except SyncOffline as exc:
            self._note_error(f"中心无法连接：{exc}", blocked=False)
            return StepResult(self.acked_total - before, pulled, online=False, error=str(exc))
        except SyncBlocked as exc:
            self._note_error(exc.reason, blocked=True)
            return StepResult(self.acked_total - before, pulled, online=True, error=exc.reason)
        return StepResult(self.acked_total - before, pulled, online=True)

    def _note_error(self, message: str, *, blocked: bool) -> None:
        with immediate(self.db):
            self.db.execute(
                "UPDATE sync_state SET last_error = ?, blocked = ? WHERE id = 1",
                [message, int(blocked)],
            )

    def status(self) -> SyncStatus:
        return read_status(self.db)


def read_status(db: Database) -> SyncStatus:
    cursor, last_success, error, blocked, offset = db.execute(
        "SELECT cursor, last_success_at, last_error, blocked, clock_offset_ms FROM sync_state"
        " WHERE id = 1"
    ).fetchone()
    refused = int(db.execute("SELECT count(*) FROM outbox WHERE state = 'refused'").fetchone()[0])
    failures = int(db.execute("SELECT count(*) FROM pull_failures").fetchone()[0])
    conflicts = int(
        db.execute("SELECT count(*) FROM sync_conflicts WHERE state = 'open'").fetchone()[0]
    )
    return SyncStatus(
        pending=outbox.pending_count(db),
        refused=refused,
        cursor=int(cursor),
        last_success_at=last_success,
        last_error=error,
        blocked=bool(blocked),
        pull_failures=failures,
        clock_offset_ms=int(offset or 0),
        conflicts=conflicts,
    )


def read_pull_failures(db: Database) -> list[PullFailure]:
    """The changes kept because they could not be applied here, oldest first."""
    return [
        PullFailure(*row)
        for row in db.execute(
            "SELECT cursor, table_name, row_id, kind, error, first_seen_at, last_tried_at,"
            " attempts FROM pull_failures ORDER BY cursor"
        ).fetchall()
    ]


@dataclass(frozen=True)
class Grant:
    """What enrolment brings back: the device token, and the CA certificate (PEM) to
    trust the central by from now on ("" for a lab central on plain HTTP)."""

    token: str
    central_ca: str = ""
    #: What the central enrolled this device as: its code said so, not the device.
    kind: str = "window"
    window: str = ""
    #: Whether the central takes the casework this counter did alone, as imports.
    history: bool = False


def enrol(db: Database, central_url: str, code: str, name: str = "") -> str:
    """Exchange the supervisor's one-time code for this device's token and keep it,
    with the central's CA pinned."""
    grant = request_token(central_url, outbox.device_id(db), code, name)
    keep_token(db, central_url, grant)
    return grant.token


#: A CA certificate is a kilobyte or two; an answer far larger is not one.
MAX_CA_BYTES = 64 * 1024


def fetch_central_ca(central_url: str, timeout: float = ENROL_TIMEOUT_S) -> str:
    """The CA the central says it has, fetched without checking who answered: nothing
    is trusted yet. What makes it trustworthy is the fingerprint read out with the code,
    compared next; nothing is sent but this request."""
    import httpx

    try:
        answer = httpx.get(f"{central_url}/v1/ca.pem", verify=False, timeout=timeout)
    except httpx.HTTPError as exc:
        raise SyncOffline(str(exc) or type(exc).__name__) from exc
    if answer.status_code != 200 or len(answer.content) > MAX_CA_BYTES:
        raise ValidationError(
            "code", f"中心没有提供证书（/v1/ca.pem 回答 {answer.status_code}），无法核对指纹"
        )
    try:
        return pinning.first_certificate(answer.text)
    except ValueError:
        raise ValidationError("code", "中心提供的证书无法读取，无法核对指纹") from None


def request_token(central_url: str, device_id: str, code: str, name: str = "") -> Grant:
    """Ask the central for a device token; touches no store, so any thread may ask.

    ``code`` is as the supervisor read it out. For an https central it carries the
    fingerprint of the hall's CA: the CA is fetched and checked against it before the
    code is sent, and the code goes only over a connection verified with that CA, so an
    impostor on the way learns nothing and cannot spend it."""
    code, typed = pinning.enrol_parts(central_url, code)
    central_ca = ""
    verify: Any = True
    if typed:
        central_ca = fetch_central_ca(central_url)
        if not pinning.matches(central_ca, typed):
            raise ValidationError("code", pinning.MISMATCH)
        verify = pinning.pinned_context(central_ca)
    transport = HttpTransport(central_url, timeout=ENROL_TIMEOUT_S, verify=verify)
    try:
        answer = transport.request(
            "POST", "/v1/enrol", body={"code": code, "device_id": device_id, "name": name}
        )
    except TransportError as exc:
        raise SyncOffline(str(exc)) from exc
    finally:
        transport.close()
    if answer.status != 200:
        raise SyncBlocked(
            answer.status, str(answer.body.get("reason", ErrorCode.BAD_ENROL_CODE.reason()))
        )
    granted = EnrolResponse.model_validate(answer.body)
    return Grant(granted.token, central_ca, granted.kind, granted.window, granted.history)


def keep_token(
    db: Database, central_url: str, grant: Grant, now: datetime | None = None
) -> history.Imported:
    """Keep the token, the pinned CA and what the central enrolled this device as. From
    now on the hall's staff come from the central, so the demo accounts go: they share
    one public password, printed in the README. A counter enrolled for the first time
    hands its casework over in the same transaction (counter.sync.history): as imports
    when the central allows it, else not at all."""
    done = history.Imported()
    with immediate(db):
        if compaction.never_enrolled(db):
            done = history.switch_to_central(db, grant.history, now or datetime.now(HALL_TZ))
        db.execute(
            "UPDATE sync_state SET central_url = ?, device_token = ?, central_ca = ?,"
            " device_kind = ?, device_window = ? WHERE id = 1",
            [central_url, grant.token, grant.central_ca, grant.kind, grant.window],
        )
        staff_store.remove_demo_accounts(db)
    return done


def transport_for(db: Database, *, timeout: float) -> HttpTransport | None:
    """The transport to the central this store is enrolled with, trusting the CA pinned
    at enrolment and nothing else; None when not enrolled. Every connection to the
    central is made through here (the sync agent, the queue, the panel's reader)."""
    url, token, central_ca = sync_state.central_link(db)
    if not (url and token):
        return None
    verify: Any = pinning.pinned_context(central_ca) if central_ca else True
    return HttpTransport(url, token, timeout=timeout, verify=verify)


# -- the 设备 page: the central's address, and the hall's devices ---------------------------

#: The largest cursor the central takes: a pull from it is empty, whatever the hall did.
_PAST_EVERY_CHANGE = 2**63 - 1


def check_new_address(db: Database, new_url: str) -> Callable[[], None]:
    """A check that the central answers at ``new_url`` as the central this counter is
    enrolled with; read here (this thread's store), run anywhere (it touches no store).

    The same central, proven twice: its certificate verifies against the CA pinned at
    enrolment, for the new address (a machine that merely answers there does not), and
    it accepts this device's token (a central of another hall does not). The pull asked
    is past every change, so nothing is sent down. An https counter is never moved to
    plain http: the pinned CA would no longer protect the token."""
    url, token, central_ca = sync_state.central_link(db)
    if not (url and token):
        raise ValidationError("central_url", "本机尚未登记到中心：请先登记")
    if central_ca and not new_url.startswith("https://"):
        raise ValidationError("central_url", "本机登记时核对了中心证书，新地址须以 https:// 开头")
    verify: Any = pinning.pinned_context(central_ca) if central_ca else True

    def check() -> None:
        transport = HttpTransport(new_url, token, timeout=ENROL_TIMEOUT_S, verify=verify)
        try:
            answer = transport.request(
                "GET", "/v1/pull", params={"cursor": _PAST_EVERY_CHANGE, "limit": 1}
            )
        except TransportError as exc:
            raise SyncOffline(str(exc)) from exc
        finally:
            transport.close()
        if answer.status != 200:
            raise SyncBlocked(answer.status, str(answer.body.get("reason", "")))

    return check


def keep_address(db: Database, new_url: str) -> None:
    """The central's new address, once checked; token and pinned CA stay as they are."""
    with immediate(db):
        db.execute("UPDATE sync_state SET central_url = ? WHERE id = 1", [new_url])


def central_now_ms(db: Database, local_ms: int) -> int:
    """The central's clock as this counter last heard it: what a signed request is dated
    by, so a PC clock that is off does not make the central refuse it."""
    return local_ms + (sync_state.clock_offset_ms(db) or 0)


def ask_devices(transport: Transport, request: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/devices`` (counter.sync.device_admin) with a request already signed;
    the answer's body. Touches no store: any thread may ask."""
    try:
        answer = transport.request("POST", "/v1/devices", body=request)
    except TransportError as exc:
        raise SyncOffline(str(exc)) from exc
    if answer.status != 200:
        raise SyncBlocked(answer.status, str(answer.body.get("reason", "")))
    return answer.body
