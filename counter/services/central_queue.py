"""The hall's queue on the central, behind the same interface as the local queue.

:class:`CentralQueue` sends every queue action to the central (counter.central.hall_queue),
which owns the hall's one queue while the counters are online. When the central cannot
be reached it falls back to :class:`OfflineQueue`, this store's own queue, which

* issues numbers only from blocks the central reserved for this counter while it was
  online (so no number in the hall is ever issued twice), and
* calls only tickets issued here while offline and not yet handed over (so a ticket
  the central owns is never called here as well).

Back online, before anything else, the counter hands its offline tickets over: it marks
them handed over locally first (from then on only the central may call them) and then
sends them to the central, which takes in each ticket it does not have yet. If the
hand-over is interrupted it is simply sent again; the central ignores tickets it has.
Ordering it this way costs, at worst, a visitor waiting a little longer while the
counter is cut off again mid-hand-over; it never costs a ticket served twice.

Every action (a call, a finish, an issue at the kiosk…) is sent with a request id made
for it once (``Idempotency-Key``), and resent with the same id when no answer came
back: the central acts once and answers every try alike, so when a proxy or the Wi-Fi
loses the answer to a call, the next try brings back the ticket the board already
shows, within the same press of the key — not an error now and the ticket on the next
press, nor a second ticket.

The window panel, the kiosk and the board call the same methods either way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlite_utils import Database

from counter.log import sync as log
from counter.model.clock import iso
from counter.model.errors import NetworkError, NotAllowedError, NotFoundError, ValidationError
from counter.model.queue import (
    CLERK_AFTER,
    Category,
    ClerkState,
    Lane,
    QueueRules,
    QueueStats,
    Ticket,
    check_case_number,
    check_hands_free,
    check_in_code,
    check_person,
    check_services,
    check_transfer,
    clerk_spans,
    numbering_key,
    statistics,
)
from counter.model.queue_view import view_link
from counter.model.ticket_rows import ticket_from_row

# Opening the queue (the central's or the store's own) lives in queue_access, which
# imports this module only for an enrolled store; these names stay importable here.
from counter.services.queue_access import OpenReader as OpenReader
from counter.services.queue_access import open_queue as open_queue
from counter.services.queue_access import queue_for_reading as queue_for_reading
from counter.services.queue_service import (
    QUEUE_ROLES,
    BoardCall,
    BoardView,
    IssuedTicket,
    LocalQueue,
)
from counter.services.session import Session
from counter.store import queue_store, sync_state
from counter.store.db import immediate
from counter.sync.client import transport_for
from counter.sync.queue_protocol import (
    REQUEST_ID_HEADER,
    Action,
    ActParams,
    ActRequest,
    BlockRequest,
    BlockResponse,
    BoardAnswer,
    CallNextRequest,
    CallSpecificRequest,
    EventsAnswer,
    IssueAnswer,
    IssueRequest,
    ReconcileAnswer,
    ReconcileRequest,
    RequeueRequest,
    TicketAnswer,
    TicketsAnswer,
)
from counter.sync.transport import HttpTransport, Response, Transport, TransportError

T = TypeVar("T")

#: Numbers set aside per category for this counter's offline use.
BLOCK_SIZE = 50
#: While offline, how long to wait before trying the central again on the next action.
RETRY_AFTER_S = 10.0
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: How many times one action is sent, with the same request id, when no answer came
#: back or the answer was 408/429/5xx: the central acts once however many arrive, so
#: the first answer that gets through is the one action's result.
ACTION_ATTEMPTS = 3
#: The pause before the second and the third try: short, the clerk is waiting.
ACTION_PAUSES_S = (0.05, 0.2)
#: No further try once an action has waited this long (on a dead network each try
#: waits out the transport's timeout); the offline queue takes over as before.
ACTION_BUDGET_S = 3.0


def new_request_id() -> str:
    """The id of one action, made once when the clerk (or the applicant) acts."""
    return uuid.uuid4().hex


def _ticket(body: dict[str, Any] | TicketAnswer) -> Ticket:
    """The ticket in a central's answer, read through the protocol's own model."""
    answer = body if isinstance(body, TicketAnswer) else TicketAnswer.model_validate(body)
    return ticket_from_row(answer.ticket.model_dump())


class CentralUnavailable(NetworkError):
    """No usable answer from the central: the caller falls back to the offline queue
    (one that escapes it still reaches the clerk as a Chinese message)."""


class OfflineQueue(LocalQueue):
    """This store's queue while the central is out of reach (module docstring)."""

    def _next_seq(self, category: str, day: date) -> int:
        numbering = numbering_key(day, self.rules.reset_daily)
        seq = queue_store.take_block_seq(self.db, category, numbering)
        if seq is None:
            raise NotAllowedError(
                f"与中心断开，本机没有可用的 {category} 类预留号码；"
                "请恢复网络后再取号，或到导服台人工登记"
            )
        return seq

    def _owned(self, ticket: Ticket) -> Ticket:
        if queue_store.is_handed_over(self.db, ticket.id):
            raise NotAllowedError(
                f"{ticket.number} 号由中心统一管理，本机与中心断开期间不能操作；请恢复网络后再试"
            )
        return ticket

    def _ticket(self, ticket_id: str) -> Ticket:
        return self._owned(super()._ticket(ticket_id))

    def find(self, number: str, now: datetime) -> Ticket:
        return self._owned(super().find(number, now))


class CentralQueue:
    """The central's queue over HTTP, with the offline queue as its fallback."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        rules: QueueRules | None = None,
        *,
        block_size: int = BLOCK_SIZE,
        retry_after_s: float = RETRY_AFTER_S,
        monotonic: Callable[[], float] = time.monotonic,
        hands_over: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``hands_over=False`` for a queue that only reads (the panel's background
        refresh): handing the offline tickets over is left to the queue that acts.
        ``sleep`` waits between the tries of a request (tests pass one that does not)."""
        self.db = db
        self.transport = transport
        self.rules = rules or QueueRules()
        self.offline = OfflineQueue(db, self.rules)
        self.block_size = block_size
        self.retry_after_s = retry_after_s
        self.monotonic = monotonic
        self.sleep = sleep
        self.online = True
        self._handed_over = not hands_over
        self._retry_at = 0.0

    @classmethod
    def for_store(
        cls, db: Database, rules: QueueRules | None = None, *, hands_over: bool = True
    ) -> CentralQueue | None:
        """The central queue when this store is enrolled with a central, else None."""
        # Short: a window waiting on a dead network is worse than working offline.
        transport = transport_for(db, timeout=2.0)
        if transport is None:
            return None
        return cls(db, transport, rules, hands_over=hands_over)

    def close(self) -> None:
        """Close the connection to the central (the store is its owner's to close)."""
        if isinstance(self.transport, HttpTransport):
            self.transport.close()

    # --- talking to the central ---------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """One queue request, its body one of the protocol's typed requests
        (counter.sync.queue_protocol, the models the central checks it with); model
        refusals come back as the model's own errors.

        An action (``request_id`` given) is tried up to ACTION_ATTEMPTS times within
        ACTION_BUDGET_S, with the same id each time, when no answer came back or a
        408/429/5xx did. A read is tried again only after such a status: with no answer
        at all it falls back to the offline queue at once, as it always has."""
        sent = None if body is None else body.model_dump(mode="json")
        answer = self._exchange(method, path, sent, params, request_id)
        if answer.status == 200:
            return answer.body
        reason = str(answer.body.get("reason", answer.body))
        error = answer.body.get("error")
        if error == "not_found":
            raise NotFoundError(reason)
        if error == "validation":
            raise ValidationError(str(answer.body.get("field", "")), reason)
        if error == "not_allowed":
            raise NotAllowedError(reason)
        # 401/403: the device was revoked or its token lost — not a network outage.
        raise NotAllowedError(f"中心拒绝了本机的排队请求：{reason}")

    def _exchange(
        self,
        method: str,
        path: str,
        body: Any,
        params: dict[str, Any] | None,
        request_id: str | None,
    ) -> Response:
        """The first answer that is not 408/429/5xx (see :meth:`_send`)."""
        extra: dict[str, Any] = (
            {} if request_id is None else {"headers": {REQUEST_ID_HEADER: request_id}}
        )
        attempts, pauses = (ACTION_ATTEMPTS, ACTION_PAUSES_S) if request_id else (2, (0.2,))
        started = self.monotonic()
        failure = ""
        for attempt in range(attempts):
            if attempt:
                if request_id and self.monotonic() - started >= ACTION_BUDGET_S:
                    break
                self.sleep(pauses[min(attempt, len(pauses)) - 1])
            try:
                answer = self.transport.request(method, path, body=body, params=params, **extra)
            except TransportError as exc:
                if request_id is None:
                    raise CentralUnavailable(str(exc)) from exc
                log.info("queue: no answer to %s %s (try %d of %d, one request id): %s",
                         method, path, attempt + 1, attempts, exc)  # fmt: skip
                failure = str(exc)
                continue
            if answer.status not in _RETRY_STATUSES:
                return answer
            failure = f"{answer.status} {answer.body.get('reason', '')}"
        raise CentralUnavailable(failure)

    def _either(self, remote: Callable[[], T], local: Callable[[], T]) -> T:
        """The central's answer, or the offline queue's when the central is unreachable."""
        if not self.online and self.monotonic() < self._retry_at:
            return local()
        try:
            if not self._handed_over:
                self.hand_over()
            result = remote()
        except CentralUnavailable as exc:
            self._work_offline(str(exc))
            return local()
        if not self.online:
            log.info("queue: central reachable again")
        self.online = True
        return result

    def _work_offline(self, why: str) -> None:
        if self.online:
            log.warning("queue: central unreachable, working offline: %s", why)
        self.online = False
        self._handed_over = False
        self._retry_at = self.monotonic() + self.retry_after_s

    def note_reachable(self, reachable: bool) -> None:
        """What a reader of the same central found (the panel's background reading):
        unreachable, the clerk's next actions go straight to the offline queue instead of
        each waiting out the timeout on the window; reachable again, the next action
        tries the central at once, handing over first."""
        if not reachable:
            self._work_offline("a background reading found it unreachable")
        elif not self.online:
            self._retry_at = 0.0

    def hand_over(self) -> int:
        """Give the central every ticket issued here while offline (module docstring).

        Returns how many the central took in that it did not have yet.
        """
        self._send("GET", "/v1/health")  # only a reachable central gets the tickets
        with immediate(self.db):
            queue_store.mark_all_handed_over(self.db)
        added = 0
        while True:
            tickets = queue_store.unreconciled_tickets(self.db, limit=500)
            if not tickets:
                break
            offline = [t for t in tickets if self._in_block(t)]
            try:
                if offline:
                    body = self._send(
                        "POST",
                        "/v1/queue/reconcile",
                        body=ReconcileRequest.model_validate({"tickets": offline}, strict=False),
                        request_id=new_request_id(),
                    )
                    added += ReconcileAnswer.model_validate(body).added
            except NotAllowedError as exc:
                log.warning("queue: central refused offline tickets: %s", exc)
            with immediate(self.db):
                queue_store.mark_reconciled(self.db, [t["id"] for t in tickets])
        self._handed_over = True
        return added

    def _in_block(self, row: dict[str, Any]) -> bool:
        """Only numbers from this counter's blocks were issued offline; anything else is
        history from before enrolment and stays where it is."""
        return queue_store.in_reserved_block(self.db, row["category"], row["seq"])

    def reserve_blocks(self, day: date, categories: Sequence[str] | None = None) -> None:
        """Make sure each category has offline numbers left; asks the central for more."""
        numbering = numbering_key(day, self.rules.reset_daily)
        for code in categories or [c.code for c in self.categories()]:
            left = queue_store.block_numbers_left(self.db, code, numbering)
            if left >= max(1, self.block_size // 5):
                continue
            block = BlockResponse.model_validate(
                self._send(
                    "POST",
                    "/v1/queue/blocks",
                    body=BlockRequest(category=code, numbering=numbering, size=self.block_size),
                    request_id=new_request_id(),
                )
            )
            with immediate(self.db):
                queue_store.add_block(
                    self.db, code, numbering, block.first, block.last, datetime.now().astimezone()
                )

    # --- reading ------------------------------------------------------------------------

    def categories(self) -> list[Category]:
        return self.offline.categories()

    def _tickets(self, day: date, states: str = "", window: str = "") -> list[Ticket]:
        params = {"day": day.isoformat(), "states": states, "window": window}
        body = TicketsAnswer.model_validate(self._send("GET", "/v1/queue/tickets", params=params))
        return [ticket_from_row(t.model_dump()) for t in body.tickets]

    def tickets_today(self, now: datetime) -> list[Ticket]:
        return self._either(
            lambda: self._tickets(now.date()), lambda: self.offline.tickets_today(now)
        )

    def at_window(self, window: str, now: datetime) -> list[Ticket]:
        def remote() -> list[Ticket]:
            mine = self._tickets(now.date(), "called,serving,held", window)
            return sorted(mine, key=lambda t: t.last_called_at or t.issued_at)

        return self._either(remote, lambda: self.offline.at_window(window, now))

    def waiting(self, now: datetime) -> list[Ticket]:
        def remote() -> list[Ticket]:
            return self._tickets(now.date(), "waiting")

        return self._either(remote, lambda: self.offline.waiting(now))

    def board(self, now: datetime) -> BoardView:
        def remote() -> BoardView:
            names = {c.code: c.name for c in queue_store.categories(self.db)}
            body = BoardAnswer.model_validate(
                self._send("GET", "/v1/queue/board", params={"day": now.date().isoformat()})
            )
            calls = []
            for call in body.calls:
                t = ticket_from_row(call.ticket.model_dump())
                calls.append(
                    BoardCall(
                        event_id=call.event_id,
                        window=call.window,
                        number=t.number,
                        category_name=names.get(t.category, t.category),
                        masked_name=t.masked_name,
                        at=t.last_called_at or t.issued_at,
                    )
                )
            counts: dict[str, int] = {}
            for t in self._tickets(now.date(), "waiting"):
                counts[t.category] = counts.get(t.category, 0) + 1
            waiting = tuple((c, counts.get(c.code, 0)) for c in self.categories())
            return BoardView(calls=tuple(calls), waiting=waiting)

        return self._either(remote, lambda: self.offline.board(now))

    def events(
        self, after: int, wait: float = 0.0, limit: int = 500
    ) -> tuple[list[dict[str, Any]], int]:
        """The central's queue events after ``after`` (waiting up to ``wait`` seconds for
        one): what a board follows to announce calls as they happen."""
        body = EventsAnswer.model_validate(
            self._send(
                "GET", "/v1/queue/events", params={"after": after, "wait": wait, "limit": limit}
            )
        )
        return [event.model_dump() for event in body.events], body.last

    def statistics(self, now: datetime) -> QueueStats:
        def remote() -> QueueStats:
            day = now.date()
            spans = clerk_spans(queue_store.clerk_changes(self.db, day), now)
            return statistics(day, self._tickets(day), spans)

        return self._either(remote, lambda: self.offline.statistics(now))

    def clerk_state(self, session: Session, now: datetime) -> ClerkState:
        return self.offline.clerk_state(session, now)

    def set_clerk_state(self, session: Session, state: ClerkState, now: datetime) -> None:
        """The clerk's own state stays in this store and flows up with the outbox; a
        break is refused while the window holds a ticket, wherever the ticket lives."""
        session.require(*QUEUE_ROLES)
        if state is ClerkState.BREAK:
            check_hands_free(self.at_window(session.window, now))
        with immediate(self.db):
            self.offline._set_clerk(session, state, now)

    def _clerk_after(self, session: Session, ticket: Ticket, now: datetime) -> Ticket:
        state = CLERK_AFTER.get(ticket.state)
        if state is not None:
            with immediate(self.db):
                self.offline._set_clerk(session, state, now)
        return ticket

    # --- the kiosk ----------------------------------------------------------------------

    def _issue_remote(
        self, cat: Category, now: datetime, lane: Lane, request_id: str, **fields: str
    ) -> IssuedTicket:
        if not cat.windows:
            raise NotAllowedError(f"“{cat.name}”今天没有窗口办理，请到导服台咨询")
        body = IssueAnswer.model_validate(
            self._send(
                "POST",
                "/v1/queue/issue",
                body=IssueRequest(
                    category=cat.code,
                    category_name=cat.name,
                    numbering=numbering_key(now.date(), self.rules.reset_daily),
                    lane=int(lane),
                    one_waiting_per_person=self.rules.one_waiting_per_person,
                    at=iso(now),
                    **fields,
                ),
                request_id=request_id,
            )
        )
        link = view_link(sync_state.central_link(self.db).url, body.view_token, self.rules.view_url)
        issued = IssuedTicket(_ticket(body), cat.name, body.waiting_ahead, link)
        try:
            self.reserve_blocks(now.date())
        except (CentralUnavailable, NotAllowedError) as exc:
            log.warning("queue: could not reserve offline numbers: %s", exc)
        return issued

    def issue(
        self,
        category: str,
        now: datetime,
        *,
        priority_reason: str = "",
        person_id: str = "",
        person_name: str = "",
    ) -> IssuedTicket:
        cat = self.offline._category(category)
        lane, reason = self.rules.lane_for(priority_reason)
        person = check_person(self.rules, cat, person_id, now.date())  # the central checks too
        request_id = new_request_id()  # one press of the kiosk's button: one number
        return self._either(
            lambda: self._issue_remote(
                cat,
                now,
                lane,
                request_id,
                priority_reason=reason,
                person_id=person,
                person_name=person_name.strip(),
            ),
            lambda: self.offline.issue(
                category,
                now,
                priority_reason=priority_reason,
                person_id=person_id,
                person_name=person_name,
            ),
        )

    def check_in(self, code_or_id: str, now: datetime) -> IssuedTicket:
        """Bookings are in this store (pulled); the ticket comes from the central."""
        request_id = new_request_id()

        def remote() -> IssuedTicket:
            booking = self.offline._booking(check_in_code(code_or_id), now.date())
            booking.check_can_check_in(now.date())
            cat = self.offline._category(booking.category)
            issued = self._issue_remote(
                cat,
                now,
                Lane.APPOINTMENT,
                request_id,
                appointment_code=booking.code,
                person_id=check_person(self.rules, cat, booking.id_number, now.date()),
                person_name=booking.name,
            )
            with immediate(self.db):
                self.offline._record_check_in(booking, issued.ticket, now)
            return issued

        return self._either(remote, lambda: self.offline.check_in(code_or_id, now))

    def requeue(self, number: str, now: datetime, behind: int | None = None) -> Ticket:
        n = self.rules.requeue_behind if behind is None else behind
        request_id = new_request_id()

        def remote() -> Ticket:
            body = self._send(
                "POST",
                "/v1/queue/requeue",
                body=RequeueRequest(number=number, behind=n, at=iso(now)),
                request_id=request_id,
            )
            return _ticket(body)

        return self._either(remote, lambda: self.offline.requeue(number, now, behind))

    # --- the window ---------------------------------------------------------------------

    def _who(self, session: Session, now: datetime) -> dict[str, str]:
        """Who acts where and when, as every window request states it (the central
        takes the window and the staff from its own records: counter.central.authority)."""
        return {
            "window": session.window,
            "staff_id": session.staff.id,
            "staff_name": session.staff.name,
            "at": iso(now),
        }

    def call_next(self, session: Session, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        request_id = new_request_id()  # one press of F1: one ticket, however many tries

        def remote() -> Ticket:
            body = self._send(
                "POST",
                "/v1/queue/call-next",
                body=CallNextRequest(
                    **self._who(session, now),
                    codes=self.offline._served(session.window),
                    interleave=self.rules.call_rule.interleave,
                ),
                request_id=request_id,
            )
            return self._clerk_after(session, _ticket(body), now)

        return self._either(remote, lambda: self.offline.call_next(session, now))

    def call_specific(
        self, session: Session, number: str, now: datetime, reason: str = ""
    ) -> Ticket:
        session.require(*QUEUE_ROLES)
        request_id = new_request_id()

        def remote() -> Ticket:
            body = self._send(
                "POST",
                "/v1/queue/call-specific",
                body=CallSpecificRequest(**self._who(session, now), number=number, reason=reason),
                request_id=request_id,
            )
            return self._clerk_after(session, _ticket(body), now)

        return self._either(
            remote, lambda: self.offline.call_specific(session, number, now, reason)
        )

    def _act(
        self,
        session: Session,
        ticket_id: str,
        action: Action,
        now: datetime,
        params: dict[str, Any],
        local: Callable[[], Ticket],
    ) -> Ticket:
        session.require(*QUEUE_ROLES)
        request_id = new_request_id()

        def remote() -> Ticket:
            body = self._send(
                "POST",
                "/v1/queue/act",
                body=ActRequest(
                    **self._who(session, now),
                    ticket_id=ticket_id,
                    action=action,
                    params=ActParams(**params),
                ),
                request_id=request_id,
            )
            return self._clerk_after(session, _ticket(body), now)

        return self._either(remote, local)

    def recall(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session,
            ticket_id,
            "recall",
            now,
            {},
            lambda: self.offline.recall(session, ticket_id, now),
        )

    def skip(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session, ticket_id, "skip", now, {}, lambda: self.offline.skip(session, ticket_id, now)
        )

    def hold(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session, ticket_id, "hold", now, {}, lambda: self.offline.hold(session, ticket_id, now)
        )

    def resume(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session,
            ticket_id,
            "resume",
            now,
            {},
            lambda: self.offline.resume(session, ticket_id, now),
        )

    def start(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session,
            ticket_id,
            "start",
            now,
            {},
            lambda: self.offline.start(session, ticket_id, now),
        )

    def finish(
        self, session: Session, ticket_id: str, services: Sequence[str], now: datetime
    ) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._act(
            session,
            ticket_id,
            "finish",
            now,
            {"services": list(check_services(services))},
            lambda: self.offline.finish(session, ticket_id, services, now),
        )

    def transfer(
        self,
        session: Session,
        ticket_id: str,
        now: datetime,
        *,
        category: str = "",
        window: str = "",
    ) -> Ticket:
        """Checked here against the hall's categories (pulled), then done centrally."""
        session.require(*QUEUE_ROLES)
        code = category.strip().upper()
        cat = self.offline._category(code, "transfer_category") if code else None
        target = window.strip()
        check_transfer(cat, target, self.categories(), session.window)
        return self._act(
            session,
            ticket_id,
            "transfer",
            now,
            {"category": code, "window": target},
            lambda: self.offline.transfer(
                session, ticket_id, now, category=category, window=window
            ),
        )

    def link_case(
        self, ticket_id: str, case_number: str, now: datetime, session: Session | None = None
    ) -> Ticket:
        number = check_case_number(case_number)
        request_id = new_request_id()

        def remote() -> Ticket:
            who = (
                self._who(session, now)
                if session
                else {"window": "-", "staff_id": "", "staff_name": "", "at": iso(now)}
            )
            body = self._send(
                "POST",
                "/v1/queue/act",
                body=ActRequest(
                    **who,
                    ticket_id=ticket_id,
                    action="link_case",
                    params=ActParams(case_number=number),
                ),
                request_id=request_id,
            )
            return _ticket(body)

        return self._either(
            remote, lambda: self.offline.link_case(ticket_id, case_number, now, session)
        )
