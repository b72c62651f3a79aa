"""The hall's queue on the central: one queue for every kiosk and window online.

The rules are the model's (counter.model.queue), the same ones the local queue uses;
what differs is who may hold the head of the queue. "Call next" is one transaction:
the head of the chosen lane is selected ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
twenty windows calling at once each lock a different ticket instead of queueing behind
one row (on SQLite ``BEGIN IMMEDIATE`` makes callers take turns). A ticket is updated
only by the transaction that holds it, so no ticket is ever called by two windows.

Every change appends to ``queue_events``, the stream the call board follows. Numbers
come from ``queue_numbers`` with one atomic ``UPDATE … RETURNING``; a block reserved
for a counter's offline use advances the same counter, so no number is issued twice.

An action a device names with a request id (:class:`RequestKey`) is done once however
often it is sent: its transaction first claims the id in ``queue_requests`` and, with
the action, stores the answer there; a retry finds the answer and gets it back without
acting. Without that, a window whose answer was lost (the central called A017, the
clerk saw a network error) called again and was refused or called A018 as well, and
the clerk's screen and the board disagreed until the next press.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from counter.central.engine import CENTRAL, DeviceCheck, Engine
from counter.log import queue as log
from counter.model.clock import HALL_TZ, Hlc, iso
from counter.model.errors import NotAllowedError, NotFoundError
from counter.model.hall_settings import overlay
from counter.model.queue import (
    BOARD_CALLS,
    CallRule,
    Category,
    Lane,
    QueueRules,
    Ticket,
    busy_refusal,
    called,
    check_one_waiting,
    check_person,
    linked,
    requeued,
    stepped,
)
from counter.model.settings import Settings
from counter.model.ticket_rows import ticket_from_row, ticket_row

CALL_KINDS = ("call_next", "call_specific", "recall")
#: The ticket a window has called or is serving, if any (day, window).
_AT_WINDOW = (
    "SELECT number FROM queue_tickets WHERE day = ? AND at_window = ?"
    " AND state IN ('called', 'serving') LIMIT 1"
)


def _refuse_if_busy(number: str | None) -> None:
    """One ticket at a time at a window (the rulebook's words: counter.model.queue)."""
    if number is not None:
        raise busy_refusal(number)


OPEN_STATES = ("waiting", "called", "serving", "held")
#: The hall settings an issue is decided by, read from the central's own rows.
ISSUE_SETTINGS = ("queue_one_per_person", "queue_id_required")
#: Queue events copied into the change log in one transaction: a busy hall's minute.
MIRROR_BATCH = 2000
#: How long the answer to a device's request is kept: a retry comes within seconds of
#: the lost answer; a day leaves room for a counter that retries after a long outage
#: and keeps the table to one day's actions (a busy hall's few tens of thousands).
ANSWER_KEPT_MS = 24 * 3600 * 1000
#: Days a slip's queue-view link is kept after its ticket's day (the page then says
#: the ticket is of another day); older links are forgotten with the old answers.
LINK_KEPT_DAYS = 2
#: How often the copying loop forgets older answers (HallQueue.forget_answers).
FORGET_EVERY_MS = 10 * 60 * 1000

R = TypeVar("R")


@dataclass(frozen=True)
class RequestKey:
    """One action of one device, as the central remembers it (``queue_requests``).

    ``device_id`` comes from the device's token, never from the request, so one device
    cannot be answered with another's result, and two devices that happen to pick the
    same ``request_id`` are two keys. ``received_ms`` is the central's clock (for
    forgetting), ``digest`` what was asked: a request id reused for another request is
    refused rather than answered with the first one's result."""

    device_id: str
    request_id: str
    received_ms: int
    digest: str


def answer_row(ticket: Ticket) -> dict[str, Any]:
    """A ticket as the queue's answers carry it (and as a kept answer stores it)."""
    return ticket_row(ticket, ticket.last_called_at or ticket.issued_at)


def ticket_answer(ticket: Ticket) -> dict[str, Any]:
    return {"ticket": answer_row(ticket)}


@dataclass(frozen=True)
class Issued:
    """A ticket just issued, how many wait ahead of it, and the token of its queue-view
    link (``queue_links``; "" when none was made: :meth:`HallQueue.issue`)."""

    ticket: Ticket
    waiting_ahead: int
    view_token: str = ""


def issue_answer(issued: Issued) -> dict[str, Any]:
    answer = {"ticket": answer_row(issued.ticket), "waiting_ahead": issued.waiting_ahead}
    return {**answer, "view_token": issued.view_token} if issued.view_token else answer


def new_view_token() -> str:
    """The capability a ticket's queue-view link carries: 128 random bits, so a
    ticket's page is found only by whoever holds its slip (docs/security.md)."""
    return secrets.token_urlsafe(16)


def _ticket_of(answer: Mapping[str, Any]) -> Ticket:
    return ticket_from_row(answer["ticket"])


def _issued_of(answer: Mapping[str, Any]) -> Issued:
    """A kept answer; one kept before links were made has no token (and gets none)."""
    return Issued(
        ticket_from_row(answer["ticket"]),
        int(answer["waiting_ahead"]),
        str(answer.get("view_token", "")),
    )


def block_answer(block: tuple[int, int]) -> dict[str, Any]:
    return {"first": block[0], "last": block[1]}


def _block_of(answer: Mapping[str, Any]) -> tuple[int, int]:
    return int(answer["first"]), int(answer["last"])


def reconcile_answer(added: int) -> dict[str, Any]:
    return {"added": added}


def _added_of(answer: Mapping[str, Any]) -> int:
    return int(answer["added"])


class HallQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._forgot_at_ms = 0

    def _q(self, cur: Any, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.engine._q(cur, sql, list(args))

    # --- one answer per request id ------------------------------------------------------

    def _once(
        self,
        cur: Any,
        request: RequestKey | None,
        act: Callable[[], R],
        encode: Callable[[R], dict[str, Any]],
        decode: Callable[[Mapping[str, Any]], R],
    ) -> R:
        """``act`` in this transaction, unless ``request`` was answered already: then
        that answer, and nothing done. The claim comes first, before any lock the action
        takes, so a retry that arrives while the first try is still running waits for
        it (PostgreSQL makes an insert of the same key wait for the other transaction)
        and then finds its answer; if the first try was refused and rolled back, the
        retry's claim stands and it acts. A refusal is not kept: it changed nothing,
        so trying again is the same as the first try."""
        if request is None:
            return act()
        key = [request.device_id, request.request_id]
        self._q(
            cur,
            "INSERT INTO queue_requests (device_id, request_id, digest, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [*key, request.digest, request.received_ms],
        )
        digest, kept = self._q(
            cur,
            "SELECT digest, answer FROM queue_requests WHERE device_id = ? AND request_id = ?",
            key,
        ).fetchone()
        if digest != request.digest:
            raise NotAllowedError(
                f"请求编号 {request.request_id} 已用于本机的另一项排队操作，"
                "中心没有办理这一项；请再操作一次"
            )
        if kept:  # an answer is never empty: empty is this transaction's own claim
            log.info("queue: request %s of device %s answered again, not done twice",
                     request.request_id, request.device_id)  # fmt: skip
            return decode(json.loads(kept))
        result = act()
        self._q(
            cur,
            "UPDATE queue_requests SET answer = ? WHERE device_id = ? AND request_id = ?",
            [json.dumps(encode(result), ensure_ascii=False), *key],
        )
        return result

    def forget_answers(self, now_ms: int) -> None:
        """Forget answers older than ANSWER_KEPT_MS and queue-view links of tickets
        older than LINK_KEPT_DAYS days, at most every FORGET_EVERY_MS (the copying loop
        asks every second): the tables stay a day's actions (and days' links) long."""
        if self._forgot_at_ms and now_ms - self._forgot_at_ms < FORGET_EVERY_MS:
            return
        with self.engine._queue_tx() as cur:
            self._q(
                cur,
                "DELETE FROM queue_requests WHERE received_at < ?",
                [now_ms - ANSWER_KEPT_MS],
            )
            # A slip's queue-view link outlives its day only to say so; then it goes.
            today = datetime.fromtimestamp(now_ms / 1000, HALL_TZ).date()
            oldest = today - timedelta(days=LINK_KEPT_DAYS)
            self._q(cur, "DELETE FROM queue_links WHERE day < ?", [oldest.isoformat()])
        self._forgot_at_ms = now_ms

    # --- rows ---------------------------------------------------------------------------

    def _rules(self, cur: Any) -> QueueRules:
        """The queue's rules as the hall's settings published on this central say
        (``publish-settings``; the defaults where nothing is published)."""
        rows = self._q(
            cur,
            "SELECT row_id, payload FROM rows WHERE table_name = 'hall_settings'"
            " AND row_id IN (?, ?)",
            ISSUE_SETTINGS,
        ).fetchall()
        published = {r[0]: json.loads(r[1]).get("value") for r in rows}
        return QueueRules.from_settings(overlay(Settings(), published))

    def _load(self, cur: Any, ticket_id_: str, *, lock: bool = False) -> Ticket:
        suffix = " FOR UPDATE" if lock and self.engine.skip_locked else ""
        row = self._q(cur, f"SELECT body FROM queue_tickets WHERE id = ?{suffix}", [ticket_id_])
        found = row.fetchone()
        if found is None:
            raise NotFoundError(f"没有编号为 {ticket_id_} 的排队号")
        return ticket_from_row(json.loads(found[0]))

    def _insert(self, cur: Any, ticket: Ticket, now: datetime, origin: str) -> bool:
        row = ticket_row(ticket, now)
        done = self._q(
            cur,
            "INSERT INTO queue_tickets (id, day, category, number, seq, state, lane, queue_key,"
            " target_window, at_window, person_id, body, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            [
                ticket.id,
                row["day"],
                ticket.category,
                ticket.number,
                ticket.seq,
                ticket.state.value,
                int(ticket.lane),
                ticket.queue_key,
                ticket.target_window,
                ticket.window,
                ticket.person_id,
                json.dumps(row, ensure_ascii=False),
                origin,
            ],
        ).fetchone()
        return done is not None  # a row count is not known until the batch is sent

    def _update(self, cur: Any, ticket: Ticket, now: datetime) -> None:
        row = ticket_row(ticket, now)
        self._q(
            cur,
            "UPDATE queue_tickets SET category = ?, state = ?, lane = ?, queue_key = ?,"
            " target_window = ?, at_window = ?, body = ? WHERE id = ?",
            [
                ticket.category,
                ticket.state.value,
                int(ticket.lane),
                ticket.queue_key,
                ticket.target_window,
                ticket.window,
                json.dumps(row, ensure_ascii=False),
                ticket.id,
            ],
        )

    def _event(
        self,
        cur: Any,
        ticket: Ticket,
        kind: str,
        now: datetime,
        *,
        window: str = "",
        staff_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.engine._queue_event_lock(cur)
        self._q(
            cur,
            "INSERT INTO queue_events (ticket_id, day, at, kind, lane, at_window, staff_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ticket.id,
                ticket.day.isoformat(),
                iso(now),
                kind,
                int(ticket.lane),
                window,
                staff_id,
                json.dumps(detail or {}, ensure_ascii=False),
            ],
        )

    def _take_numbers(self, cur: Any, category: str, numbering: str, count: int) -> int:
        """Advance the category's counter by ``count``; returns the last number taken."""
        row = self._q(
            cur,
            "INSERT INTO queue_numbers (category, numbering, last_seq) VALUES (?, ?, ?)"
            " ON CONFLICT (category, numbering) DO UPDATE"
            " SET last_seq = queue_numbers.last_seq + excluded.last_seq RETURNING last_seq",
            [category, numbering, count],
        ).fetchone()
        return int(row[0])

    def _waiting_ahead(self, cur: Any, t: Ticket) -> int:
        """How many waiting tickets of ``t``'s category come before it, ``t`` waiting:
        those of its lane and the lanes before, from the counts kept per (day, category,
        lane) (``queue_waiting``, one index read), less ``t`` itself and those of its
        lane that wait behind it. A ticket just issued took its lane's largest place
        (``last_key``), so nobody waits behind it and the count is the answer; counting
        every waiting ticket made each issue O(n) (40,000 waiting took 366 s to issue).
        Only when a ticket came to wait with a later place (a counter's offline ticket
        stamped by a clock running ahead) are those behind counted, from the tickets.
        Both reads see this transaction's view, which holds the queue's event lock
        (taken by the insert's trigger on PostgreSQL): no other issue, call or cancel
        is half-counted in it."""
        day = t.day.isoformat()
        waiting, last_key = self._q(
            cur,
            "SELECT coalesce(sum(waiting), 0), max(CASE WHEN lane = ? THEN last_key END)"
            " FROM queue_waiting WHERE day = ? AND category = ? AND lane <= ?",
            [int(t.lane), day, t.category, int(t.lane)],
        ).fetchone()
        if last_key is not None and float(last_key) <= t.queue_key:
            return max(0, int(waiting) - 1)
        behind = self._q(
            cur,
            "SELECT count(*) FROM queue_tickets WHERE day = ? AND state = 'waiting'"
            " AND lane = ? AND queue_key >= ? AND (queue_key > ? OR seq >= ?)"
            " AND category = ?",
            [day, int(t.lane), t.queue_key, t.queue_key, t.seq, t.category],
        ).fetchone()
        # ``behind`` counts ``t`` itself (same place, same number).
        return max(0, int(waiting) - int(behind[0]))

    # --- the kiosk ----------------------------------------------------------------------

    def issue(
        self,
        category: Category,
        numbering: str,
        now: datetime,
        *,
        lane: Lane,
        priority_reason: str = "",
        appointment_code: str = "",
        person_id: str = "",
        person_name: str = "",
        origin: str = "",
        request: RequestKey | None = None,
    ) -> tuple[Ticket, int]:
        """A new number in the category; (ticket, how many wait ahead of it). Issued
        once per ``request``: a kiosk's retry gets the same number, not a second one.
        No queue-view link is made (:meth:`issue_linked` makes one)."""
        issued = self.issue_linked(
            category,
            numbering,
            now,
            lane=lane,
            priority_reason=priority_reason,
            appointment_code=appointment_code,
            person_id=person_id,
            person_name=person_name,
            origin=origin,
            request=request,
            link=False,
        )
        return issued.ticket, issued.waiting_ahead

    def issue_linked(
        self,
        category: Category,
        numbering: str,
        now: datetime,
        *,
        lane: Lane,
        priority_reason: str = "",
        appointment_code: str = "",
        person_id: str = "",
        person_name: str = "",
        origin: str = "",
        request: RequestKey | None = None,
        link: bool = True,
    ) -> Issued:
        """:meth:`issue`, and with ``link`` the token of the ticket's queue-view page
        (``/queue/<token>``, counter.central.web_queue_view), stored in ``queue_links``
        in the issue's own transaction; a retry of ``request`` gets the same token back
        from the kept answer.

        Whether the category needs the visitor's ID and whether one person may wait
        twice are the central's own settings (:meth:`_rules`), never the device's say;
        the ID is normalised by the rulebook before the one-ticket check."""
        day = now.date()
        with self.engine._queue_tx() as cur:

            def act() -> Issued:
                rules = self._rules(cur)
                person = check_person(rules, category, person_id, day)
                if person:
                    open_numbers = [
                        r[0]
                        for r in self._q(
                            cur,
                            "SELECT number FROM queue_tickets WHERE person_id = ? AND day = ?"
                            " AND category = ? AND state IN (?, ?, ?, ?) ORDER BY seq",
                            [person, day.isoformat(), category.code, *OPEN_STATES],
                        ).fetchall()
                    ]
                    check_one_waiting(rules, person, category, open_numbers)
                ticket = Ticket.issued(
                    category.code,
                    self._take_numbers(cur, category.code, numbering, 1),
                    lane,
                    now,
                    priority_reason=priority_reason,
                    appointment_code=appointment_code,
                    person_id=person,
                    person_name=person_name,
                )
                self._insert(cur, ticket, now, origin)
                self._event(cur, ticket, "issue", now)
                token = new_view_token() if link else ""
                if token:
                    self._q(
                        cur,
                        "INSERT INTO queue_links (token, ticket_id, day, category_name)"
                        " VALUES (?, ?, ?, ?)",
                        [token, ticket.id, day.isoformat(), category.name],
                    )
                return Issued(ticket, self._waiting_ahead(cur, ticket), token)

            return self._once(cur, request, act, issue_answer, _issued_of)

    def reserve_block(
        self,
        device_id: str,
        category: str,
        numbering: str,
        size: int,
        now_ms: int,
        request: RequestKey | None = None,
    ) -> tuple[int, int]:
        """Numbers ``first..last`` set aside for one counter's offline use (once per
        ``request``: a retried reservation gets the same block, not a second)."""
        with self.engine._queue_tx() as cur:

            def act() -> tuple[int, int]:
                last = self._take_numbers(cur, category, numbering, size)
                first = last - size + 1
                self._q(
                    cur,
                    "INSERT INTO queue_blocks (category, numbering, first_seq, last_seq,"
                    " device_id, reserved_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [category, numbering, first, last, device_id, now_ms],
                )
                return first, last

            return self._once(cur, request, act, block_answer, _block_of)

    def reconcile(
        self,
        device_id: str,
        rows: Sequence[dict[str, Any]],
        now: datetime,
        request: RequestKey | None = None,
    ) -> int:
        """Take over tickets a counter issued offline; a ticket already here is left as
        it is (the counter stopped touching it when it handed it over). Returns how many
        were new (a retry of ``request`` gets the first try's count)."""
        with self.engine._queue_tx() as cur:

            def act() -> int:
                added = 0
                for row in rows:
                    ticket = ticket_from_row(row)
                    owned = self._q(
                        cur,
                        "SELECT device_id FROM queue_blocks WHERE category = ?"
                        " AND first_seq <= ? AND last_seq >= ?",
                        [ticket.category, ticket.seq, ticket.seq],
                    ).fetchall()
                    if device_id not in {r[0] for r in owned}:
                        raise NotAllowedError(
                            f"{ticket.number} 号不在中心给本机预留的号段内，不能并入大厅队列"
                        )
                    if self._insert(cur, ticket, now, device_id):
                        added += 1
                        self._event(cur, ticket, "reconcile", now, detail={"device": device_id})
                return added

            return self._once(cur, request, act, reconcile_answer, _added_of)

    def requeue(
        self,
        number: str,
        behind: int,
        now: datetime,
        check: DeviceCheck | None = None,
        request: RequestKey | None = None,
    ) -> Ticket:
        with self.engine._queue_tx(check) as cur:

            def act() -> Ticket:
                ticket = self._find(cur, number, now, lock=True)
                ticket.check_action("requeue", now.date())  # before reading the lane
                keys = [
                    float(r[0])
                    for r in self._q(
                        cur,
                        "SELECT queue_key FROM queue_tickets WHERE day = ? AND state = 'waiting'"
                        " AND category = ? AND lane = ? ORDER BY queue_key, seq",
                        [ticket.day.isoformat(), ticket.category, int(ticket.lane)],
                    ).fetchall()
                ]
                moved = requeued(ticket, keys, behind, now)
                self._update(cur, moved, now)
                self._event(cur, moved, "requeue", now, detail={"behind": behind})
                return moved

            return self._once(cur, request, act, ticket_answer, _ticket_of)

    def _find(self, cur: Any, number: str, now: datetime, *, lock: bool = False) -> Ticket:
        value = number.strip().upper()
        rows = self._q(
            cur, "SELECT id, day FROM queue_tickets WHERE number = ? ORDER BY day DESC", [value]
        ).fetchall()
        if not rows:
            raise NotFoundError(f"没有 {value or '（空）'} 号，请核对票号")
        today = [r[0] for r in rows if r[1] == now.date().isoformat()]
        if not today:
            raise NotAllowedError(
                f"{value} 号是 {date.fromisoformat(rows[0][1]):%m月%d日} 取的号，"
                "不是今天的号；请到导服台重新取号"
            )
        return self._load(cur, today[0], lock=lock)

    # --- the window ---------------------------------------------------------------------

    def _check_hands_free(self, cur: Any, window: str, day: date) -> None:
        found = self._q(cur, _AT_WINDOW, [day.isoformat(), window]).fetchone()
        _refuse_if_busy(found[0] if found else None)

    def _take(
        self,
        cur: Any,
        ticket: Ticket,
        kind: str,
        now: datetime,
        staff: tuple[str, str, str],
        detail: dict[str, Any],
    ) -> Ticket:
        window, staff_id, staff_name = staff
        taken = called(ticket, window, staff_id, staff_name, now)
        self._update(cur, taken, now)
        self._event(cur, taken, kind, now, window=window, staff_id=staff_id, detail=detail)
        return taken

    def call_next(
        self,
        staff: tuple[str, str, str],
        codes: Sequence[str],
        rule: CallRule,
        now: datetime,
        check: DeviceCheck | None = None,
        request: RequestKey | None = None,
    ) -> Ticket:
        """The head of the lane the call rule picks, locked and called in one go; once
        per ``request``: a retry gets the ticket already called to this window."""
        with self.engine._queue_tx(check) as cur:
            return self._once(
                cur,
                request,
                lambda: self._call_next(cur, staff, codes, rule, now),
                ticket_answer,
                _ticket_of,
            )

    def _call_next(
        self,
        cur: Any,
        staff: tuple[str, str, str],
        codes: Sequence[str],
        rule: CallRule,
        now: datetime,
    ) -> Ticket:
        window = staff[0]
        day = now.date()
        marks = ",".join("?" for _ in codes) or "NULL"
        eligible = f"((category IN ({marks}) AND target_window = '') OR target_window = ?)"
        where = f"day = ? AND state = 'waiting' AND {eligible}"
        args = [day.isoformat(), *codes, window]
        self.engine._queue_window_lock(cur, window)
        # What the rule needs, in one round trip: the ticket this window still holds,
        # the lanes with someone waiting (one index probe per lane: a DISTINCT over a
        # morning's thousands of waiting tickets cost PostgreSQL 2.5 ms a call), and
        # the lanes of its last calls.
        waiting = " UNION ALL ".join(
            f"SELECT 1, '', {int(lane)}, 0 WHERE EXISTS"
            f" (SELECT 1 FROM queue_tickets WHERE {where} AND lane = {int(lane)})"
            for lane in Lane
        )
        rows = self._q(
            cur,
            f"SELECT 0, number, 0, 0 FROM ({_AT_WINDOW}) busy UNION ALL {waiting}"
            " UNION ALL SELECT 2, '', lane, id FROM (SELECT lane, id FROM queue_events"
            " WHERE day = ? AND at_window = ? AND kind = 'call_next'"
            " ORDER BY id DESC LIMIT ?) called",
            [day.isoformat(), window, *(args * len(Lane)), day.isoformat(), window,
             max(rule.interleave, 1)],
        ).fetchall()  # fmt: skip
        _refuse_if_busy(next((r[1] for r in rows if r[0] == 0), None))
        lanes = {Lane(r[2]) for r in rows if r[0] == 1}
        called = sorted((r for r in rows if r[0] == 2), key=lambda r: -int(r[3]))
        recent = [Lane(r[2]) for r in called]
        while True:
            lane = rule.choose(lanes, recent)
            if lane is None:
                if not codes:
                    raise NotFoundError(
                        f"本窗口（{window} 号）没有设置办理的业务类别，请联系值班长"
                    )
                raise NotFoundError("目前没有等候的号，无需叫号")
            head = self._q(
                cur,
                f"SELECT body FROM queue_tickets WHERE {where} AND lane = ?"
                f" ORDER BY queue_key, seq LIMIT 1{self.engine.skip_locked}",
                [*args, int(lane)],
            ).fetchone()
            if head is not None:
                ticket = ticket_from_row(json.loads(head[0]))
                return self._take(cur, ticket, "call_next", now, staff, {"lane": lane.label})
            lanes.discard(lane)  # every waiting ticket of the lane is being called

    def call_specific(
        self,
        staff: tuple[str, str, str],
        number: str,
        reason: str,
        now: datetime,
        check: DeviceCheck | None = None,
        request: RequestKey | None = None,
    ) -> Ticket:
        with self.engine._queue_tx(check) as cur:

            def act() -> Ticket:
                self.engine._queue_window_lock(cur, staff[0])
                ticket = self._find(cur, number, now, lock=True)
                ticket.check_action("call", now.date())
                self._check_hands_free(cur, staff[0], now.date())
                detail = {"reason": reason.strip(), "was": ticket.state.value}
                return self._take(cur, ticket, "call_specific", now, staff, detail)

            return self._once(cur, request, act, ticket_answer, _ticket_of)

    def act(
        self,
        staff: tuple[str, str, str],
        ticket_id_: str,
        action: str,
        now: datetime,
        params: dict[str, Any],
        check: DeviceCheck | None = None,
        request: RequestKey | None = None,
    ) -> Ticket:
        """recall, skip, hold, resume, start, finish, transfer and link_case, as the local
        queue does them, on the ticket locked for this transaction; once per ``request``
        (a retried finish answers with the finished ticket instead of refusing to finish
        a ticket already done)."""
        with self.engine._queue_tx(check) as cur:
            return self._once(
                cur,
                request,
                lambda: self._act(cur, staff, ticket_id_, action, now, params),
                ticket_answer,
                _ticket_of,
            )

    def _act(
        self,
        cur: Any,
        staff: tuple[str, str, str],
        ticket_id_: str,
        action: str,
        now: datetime,
        params: dict[str, Any],
    ) -> Ticket:
        window, staff_id, _ = staff
        day = now.date()
        if action == "resume":
            self.engine._queue_window_lock(cur, window)
        ticket = self._load(cur, ticket_id_, lock=True)
        if action == "link_case":
            return self._link_case(cur, ticket, params, now, window, staff_id)
        ticket.check_action(action, day)
        ticket.check_at_window(window)
        if action == "resume":
            self._check_hands_free(cur, window, day)
        step = stepped(
            ticket,
            action,
            now,
            services=tuple(params.get("services", ())),
            category=str(params.get("category") or ""),
            window=str(params.get("window", "")),
        )
        moved, detail = step.ticket, step.detail
        self._update(cur, moved, now)
        self._event(cur, moved, action, now, window=window, staff_id=staff_id, detail=detail)
        return moved

    def _link_case(
        self,
        cur: Any,
        ticket: Ticket,
        params: dict[str, Any],
        now: datetime,
        window: str,
        staff_id: str,
    ) -> Ticket:
        joined = linked(ticket, str(params.get("case_number", "")))
        if joined is ticket:
            return ticket
        self._update(cur, joined, now)
        self._event(
            cur,
            joined,
            "link_case",
            now,
            window=ticket.window if window == "-" else window,
            staff_id=staff_id or ticket.clerk_id,
            detail={"case_number": joined.cases[-1]},
        )
        return joined

    # --- into the shared rows -----------------------------------------------------------

    def mirror(self, now_ms: int, limit: int = MIRROR_BATCH) -> int:
        """Copy queue events after the last copied one into ``rows`` and the change log,
        as a counter's ticket op would be: hall reports see every ticket, and counters
        pull the hall's tickets (as the central's, never to call offline).

        Done apart from the queue's own transactions, under the change-log lock, so a
        call next never waits for a push; the copy trails the queue by a moment.
        Returns how many events were copied.
        """
        with self.engine._write() as cur:
            self._q(
                cur,
                "INSERT INTO queue_mirror (id, last_event) VALUES (1, 0) ON CONFLICT DO NOTHING",
            )
            last = int(
                self._q(cur, "SELECT last_event FROM queue_mirror WHERE id = 1").fetchone()[0]
            )
            events = self._q(
                cur,
                "SELECT e.id, e.ticket_id, e.kind, e.at_window, e.staff_id, e.detail, t.body"
                " FROM queue_events e JOIN queue_tickets t ON t.id = e.ticket_id"
                " WHERE e.id > ? ORDER BY e.id LIMIT ?",
                [last, limit],
            ).fetchall()
            if not events:
                return 0
            ids = sorted({e[1] for e in events})
            held: dict[str, Hlc] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row_id, hlc in self._q(
                    cur,
                    "SELECT row_id, hlc FROM rows WHERE table_name = 'tickets' AND row_id IN"
                    f" ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall():
                    held[row_id] = Hlc.decode(hlc)
            known = set(held)
            changes = []
            for _, ticket_id_, kind, window, staff_id, detail, body in events:
                clock = held[ticket_id_].tick(now_ms) if ticket_id_ in held else Hlc(now_ms)
                held[ticket_id_] = clock
                event = {
                    "kind": kind,
                    "window": window,
                    "staff_id": staff_id,
                    "detail": json.loads(detail),
                }
                payload = json.dumps(
                    {**json.loads(body), "event": event},
                    ensure_ascii=False,
                    sort_keys=True,
                    separators=(",", ":"),
                )
                changes.append(("tickets", ticket_id_, "upsert", payload, clock.encode(), CENTRAL))
            latest = {c[1]: c for c in changes}
            new = [c[:6] for key, c in latest.items() if key not in known]  # owner: central
            old = [(c[2], c[3], c[4], "tickets", key) for key, c in latest.items() if key in known]
            if new:
                cur.executemany(
                    self.engine._sql(
                        "INSERT INTO rows (table_name, row_id, kind, payload, hlc, owner)"
                        " VALUES (?, ?, ?, ?, ?, ?)"
                    ),
                    new,
                )
            if old:
                cur.executemany(
                    self.engine._sql(
                        "UPDATE rows SET kind = ?, payload = ?, hlc = ?"
                        " WHERE table_name = ? AND row_id = ?"
                    ),
                    old,
                )
            cur.executemany(
                self.engine._sql(
                    "INSERT INTO changes (table_name, row_id, kind, payload, hlc, origin)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                ),
                changes,
            )
            self._q(
                cur, "UPDATE queue_mirror SET last_event = ? WHERE id = 1", [int(events[-1][0])]
            )
        return len(events)

    # --- reading ------------------------------------------------------------------------

    def tickets(
        self, day: date, states: Sequence[str] = (), window: str = ""
    ) -> list[dict[str, Any]]:
        """The day's tickets, optionally only in these states and at this window (a
        window panel asks for its own few, not the whole day's thousands)."""
        where, args = "day = ?", [day.isoformat()]
        if states:
            where += f" AND state IN ({','.join('?' for _ in states)})"
            args += list(states)
        if window:
            where += " AND at_window = ?"
            args.append(window)
        with self.engine._read() as cur:
            rows = self._q(
                cur,
                f"SELECT body FROM queue_tickets WHERE {where} ORDER BY lane, queue_key, seq",
                args,
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def ticket(self, ticket_id_: str) -> dict[str, Any]:
        with self.engine._read() as cur:
            row = self._q(cur, "SELECT body FROM queue_tickets WHERE id = ?", [ticket_id_])
            found = row.fetchone()
        if found is None:
            raise NotFoundError(f"没有编号为 {ticket_id_} 的排队号")
        return dict(json.loads(found[0]))

    def place(self, ticket: Ticket) -> int:
        """How many wait ahead of the waiting ``ticket`` now: the count an issue answers
        with (:meth:`_waiting_ahead`), read for its holder's queue view."""
        with self.engine._read() as cur:
            return self._waiting_ahead(cur, ticket)

    def events(self, after: int, limit: int) -> list[dict[str, Any]]:
        with self.engine._read() as cur:
            rows = self._q(
                cur,
                "SELECT e.id, e.ticket_id, e.day, e.at, e.kind, e.lane, e.at_window, e.staff_id,"
                " e.detail, t.number FROM queue_events e LEFT JOIN queue_tickets t"
                " ON t.id = e.ticket_id WHERE e.id > ? ORDER BY e.id LIMIT ?",
                [after, limit],
            ).fetchall()
        return [
            {
                "id": int(r[0]),
                "ticket_id": r[1],
                "day": r[2],
                "at": r[3],
                "kind": r[4],
                "lane": int(r[5]),
                "window": r[6],
                "staff_id": r[7],
                "detail": json.loads(r[8]),
                "number": r[9] or "",
            }
            for r in rows
        ]

    def latest_calls(self, day: date) -> list[tuple[int, str, dict[str, Any]]]:
        """(event id, window, ticket row) of the day's last :data:`BOARD_CALLS` tickets
        called, each at its latest call, newest first (what every board lists)."""
        kinds = ",".join("?" for _ in CALL_KINDS)
        with self.engine._read() as cur:
            rows = self._q(
                cur,
                "SELECT e.id, e.at_window, t.body FROM queue_events e JOIN queue_tickets t"
                " ON t.id = e.ticket_id WHERE e.id IN (SELECT max(id) FROM queue_events"
                f" WHERE day = ? AND kind IN ({kinds}) GROUP BY ticket_id)"
                " ORDER BY e.id DESC LIMIT ?",
                [day.isoformat(), *CALL_KINDS, BOARD_CALLS],
            ).fetchall()
        return [(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]
