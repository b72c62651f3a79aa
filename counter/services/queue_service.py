"""The hall's queue behind one interface: kiosk issues, windows call, the board shows.

:class:`Queue` is what the UI talks to. :class:`LocalQueue` keeps the queue in this
machine's SQLite store, shared by the kiosk, the windows and the board as separate
processes. Every read-then-write (a number, the head of the queue, a ticket's state)
runs under ``BEGIN IMMEDIATE``, so two processes never take one number or call one
ticket; the change and its outbox op commit together. A central-owned queue can later
implement the same interface (its "call next" a row-locked transaction on the central).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.clock import iso, to_ms
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.identity import mask_id
from counter.model.queue import (
    APPOINTMENT_REASON,
    CLERK_AFTER,
    Appointment,
    Category,
    ClerkState,
    Lane,
    QueueRules,
    QueueStats,
    Ticket,
    TicketState,
    call_text,
    called,
    check_hands_free,
    check_in_code,
    check_one_waiting,
    check_person,
    check_services,
    check_transfer,
    clerk_spans,
    linked,
    numbering_key,
    requeued,
    statistics,
    stepped,
)
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.model.staff import Role
from counter.model.ticket_rows import ticket_row
from counter.services import audit_trail, roles
from counter.services.session import Session
from counter.store import outbox, queue_store
from counter.store.db import immediate

#: Roles that sit at a window and call tickets.
QUEUE_ROLES = roles.HALL_STAFF


def queue_rules(settings: Settings) -> QueueRules:
    """The hall's queue settings as the model's rules."""
    return QueueRules.from_settings(settings)


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    category_name: str
    waiting_ahead: int
    #: The ticket's queue view on the central (扫码看排队), printed as the slip's QR;
    #: "" for a ticket issued here (offline or on a standalone counter): no central
    #: knows it, so a link could show nothing.
    view_link: str = ""

    def slip(self, hall_name: str) -> TicketSlip:
        reason = self.ticket.priority_reason
        if self.ticket.lane is Lane.APPOINTMENT:
            reason = APPOINTMENT_REASON
        return TicketSlip(
            hall_name=hall_name,
            ticket_id=self.ticket.id,
            number=self.ticket.number,
            category=self.category_name,
            issued_at=self.ticket.issued_at,
            waiting_ahead=self.waiting_ahead,
            priority_reason=reason,
            qr_url=self.view_link,
        )


@dataclass(frozen=True)
class BoardCall:
    event_id: int
    window: str
    number: str
    category_name: str
    masked_name: str
    at: datetime

    @property
    def text(self) -> str:
        return call_text(self.number, self.window)


@dataclass(frozen=True)
class BoardView:
    calls: tuple[BoardCall, ...]  # the day's last calls, one per ticket, newest first
    waiting: tuple[tuple[Category, int], ...]  # every active category with its count


class Queue(Protocol):
    """What the kiosk, the window panel and the board need from a queue."""

    def categories(self) -> list[Category]: ...

    def issue(
        self,
        category: str,
        now: datetime,
        *,
        priority_reason: str = "",
        person_id: str = "",
        person_name: str = "",
    ) -> IssuedTicket: ...

    def check_in(self, code_or_id: str, now: datetime) -> IssuedTicket: ...

    def call_next(self, session: Session, now: datetime) -> Ticket: ...

    def call_specific(
        self, session: Session, number: str, now: datetime, reason: str = ""
    ) -> Ticket: ...

    def recall(self, session: Session, ticket_id: str, now: datetime) -> Ticket: ...

    def skip(self, session: Session, ticket_id: str, now: datetime) -> Ticket: ...

    def requeue(self, number: str, now: datetime, behind: int | None = None) -> Ticket: ...

    def hold(self, session: Session, ticket_id: str, now: datetime) -> Ticket: ...

    def resume(self, session: Session, ticket_id: str, now: datetime) -> Ticket: ...

    def transfer(
        self,
        session: Session,
        ticket_id: str,
        now: datetime,
        *,
        category: str = "",
        window: str = "",
    ) -> Ticket: ...

    def start(self, session: Session, ticket_id: str, now: datetime) -> Ticket: ...

    def finish(
        self, session: Session, ticket_id: str, services: Sequence[str], now: datetime
    ) -> Ticket: ...

    def link_case(
        self, ticket_id: str, case_number: str, now: datetime, session: Session | None = None
    ) -> Ticket: ...

    def set_clerk_state(self, session: Session, state: ClerkState, now: datetime) -> None: ...

    def clerk_state(self, session: Session, now: datetime) -> ClerkState: ...

    def at_window(self, window: str, now: datetime) -> list[Ticket]: ...

    def waiting(self, now: datetime) -> list[Ticket]: ...

    def board(self, now: datetime) -> BoardView: ...

    def statistics(self, now: datetime) -> QueueStats: ...


def _day(now: datetime) -> date:
    return now.date()


class LocalQueue:
    """The queue in this machine's store; several processes may share the file."""

    def __init__(self, db: Database, rules: QueueRules | None = None) -> None:
        self.db = db
        self.rules = rules or QueueRules()

    # --- reading ------------------------------------------------------------------

    def categories(self) -> list[Category]:
        return [c for c in queue_store.categories(self.db) if c.active]

    def _category(self, code: str, field: str = "category") -> Category:
        cat = queue_store.category(self.db, code.strip().upper())
        if cat is None or not cat.active:
            raise ValidationError(field, f"没有代码为“{code}”的业务类别")
        return cat

    def _ticket(self, ticket_id: str) -> Ticket:
        found = queue_store.get_ticket(self.db, ticket_id)
        if found is None:
            raise NotFoundError(f"没有编号为 {ticket_id} 的排队号")
        return found

    def find(self, number: str, now: datetime) -> Ticket:
        """Today's ticket with this number; an older one is refused by name."""
        value = number.strip().upper()
        tickets = queue_store.find_by_number(self.db, value)
        if not tickets:
            raise NotFoundError(f"没有 {value or '（空）'} 号，请核对票号")
        today = [t for t in tickets if t.day == _day(now)]
        if not today:
            raise NotAllowedError(
                f"{value} 号是 {tickets[0].day:%m月%d日} 取的号，不是今天的号；请到导服台重新取号"
            )
        return today[0]

    def at_window(self, window: str, now: datetime) -> list[Ticket]:
        return queue_store.at_window(self.db, _day(now), window)

    def waiting(self, now: datetime) -> list[Ticket]:
        return [
            t
            for t in queue_store.tickets_of_day(self.db, _day(now))
            if t.state is TicketState.WAITING
        ]

    def tickets_today(self, now: datetime) -> list[Ticket]:
        return queue_store.tickets_of_day(self.db, _day(now))

    def events(self, ticket_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        return queue_store.events_of(self.db, ticket_id)

    def board(self, now: datetime) -> BoardView:
        names = {c.code: c.name for c in queue_store.categories(self.db)}
        calls = tuple(
            BoardCall(
                event_id=event_id,
                window=window,
                number=t.number,
                category_name=names.get(t.category, t.category),
                masked_name=t.masked_name,
                at=t.last_called_at or t.issued_at,
            )
            for event_id, window, t in queue_store.latest_calls(self.db, _day(now))
        )
        counts = queue_store.waiting_counts(self.db, _day(now))
        waiting = tuple((c, counts.get(c.code, 0)) for c in self.categories())
        return BoardView(calls=calls, waiting=waiting)

    def statistics(self, now: datetime) -> QueueStats:
        day = _day(now)
        spans = clerk_spans(queue_store.clerk_changes(self.db, day), now)
        return statistics(day, queue_store.tickets_of_day(self.db, day), spans)

    def clerk_state(self, session: Session, now: datetime) -> ClerkState:
        return queue_store.clerk_state(self.db, session.staff.id, _day(now)) or ClerkState.IDLE

    # --- writing helpers ----------------------------------------------------------

    def _record(
        self,
        ticket: Ticket,
        kind: str,
        now: datetime,
        *,
        window: str = "",
        staff_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """The ticket's event row and its outbox op, in the caller's transaction.

        One op per action: the ticket's new row (last writer wins at the central) with
        the event that made it riding along, so the central keeps every event in its op
        record and a counter pulling the row can add the event to its history.
        """
        queue_store.add_event(
            self.db, ticket, kind, now, window=window, staff_id=staff_id, detail=detail
        )
        event = {"kind": kind, "window": window, "staff_id": staff_id, "detail": detail or {}}
        outbox.record(
            self.db,
            table="tickets",
            row_id=ticket.id,
            kind="upsert",
            payload={**ticket_row(ticket, now), "event": event},
            now=now,
        )

    def _set_clerk(self, session: Session, state: ClerkState, now: datetime) -> None:
        current = queue_store.clerk_state(self.db, session.staff.id, _day(now))
        if current is state:
            return
        uid = outbox.uuid7(to_ms(now))
        queue_store.add_clerk_state(
            self.db, session.staff.id, session.staff.name, session.window, state, now, uid=uid
        )
        outbox.record(
            self.db,
            table="clerk_states",
            row_id=uid,
            kind="insert",
            payload={
                "uid": uid,
                "staff_id": session.staff.id,
                "staff_name": session.staff.name,
                "window": session.window,
                "state": state.value,
                "at": iso(now),
                "day": now.date().isoformat(),
            },
            now=now,
        )

    def _mine(self, session: Session, ticket_id: str, action: str, now: datetime) -> Ticket:
        ticket = self._ticket(ticket_id)
        ticket.check_action(action, _day(now))
        ticket.check_at_window(session.window)
        return ticket

    def _next_seq(self, category: str, day: date) -> int:
        """The next number of a category; the offline queue takes it from its block."""
        return queue_store.next_seq(self.db, category, numbering_key(day, self.rules.reset_daily))

    # --- the kiosk ----------------------------------------------------------------

    def _issue(
        self,
        cat: Category,
        now: datetime,
        *,
        lane: Lane,
        priority_reason: str = "",
        appointment_code: str = "",
        person_id: str = "",
        person_name: str = "",
    ) -> IssuedTicket:
        day = _day(now)
        if not cat.windows:
            raise NotAllowedError(f"“{cat.name}”今天没有窗口办理，请到导服台咨询")
        check_one_waiting(
            self.rules,
            person_id,
            cat,
            queue_store.open_numbers_for_person(self.db, day, person_id, cat.code)
            if person_id
            else [],
        )
        ticket = Ticket.issued(
            cat.code,
            self._next_seq(cat.code, day),
            lane,
            now,
            priority_reason=priority_reason,
            appointment_code=appointment_code,
            person_id=person_id,
            person_name=person_name,
        )
        queue_store.insert_ticket(self.db, ticket, now)
        self._record(ticket, "issue", now)
        return IssuedTicket(ticket, cat.name, queue_store.waiting_ahead(self.db, ticket))

    def issue(
        self,
        category: str,
        now: datetime,
        *,
        priority_reason: str = "",
        person_id: str = "",
        person_name: str = "",
    ) -> IssuedTicket:
        """Take a number; a priority reason puts it in the 绿色通道 lane. The ID, where
        given (or where the category asks for one), is normalised and checked by the
        rulebook (counter.model.queue.check_person)."""
        cat = self._category(category)
        lane, reason = self.rules.lane_for(priority_reason)
        person = check_person(self.rules, cat, person_id, _day(now))
        with immediate(self.db):
            return self._issue(
                cat,
                now,
                lane=lane,
                priority_reason=reason,
                person_id=person,
                person_name=person_name.strip(),
            )

    def check_in(self, code_or_id: str, now: datetime) -> IssuedTicket:
        """Check in a booking by its code or the booker's ID number; it joins the
        appointment lane."""
        value = check_in_code(code_or_id)
        with immediate(self.db):
            booking = self._booking(value, _day(now))
            booking.check_can_check_in(_day(now))
            cat = self._category(booking.category)
            issued = self._issue(
                cat,
                now,
                lane=Lane.APPOINTMENT,
                appointment_code=booking.code,
                person_id=check_person(self.rules, cat, booking.id_number, _day(now)),
                person_name=booking.name,
            )
            self._record_check_in(booking, issued.ticket, now)
            return issued

    def _record_check_in(self, booking: Appointment, ticket: Ticket, now: datetime) -> None:
        """The booking marked as used by this ticket, with its op; in the caller's
        transaction. The central queue's check-in records it here too."""
        checked = replace(booking, ticket_id=ticket.id, checked_in_at=now)
        queue_store.save_appointment(self.db, checked)
        outbox.record(
            self.db,
            table="appointments",
            row_id=booking.code,
            kind="upsert",
            payload=queue_store.appointment_row(checked),
            now=now,
        )

    def _booking(self, value: str, today: date) -> Appointment:
        if len(value) == 18:
            bookings = queue_store.appointments_of_person(self.db, value)
            if not bookings:
                raise NotFoundError(f"没有证件号 {mask_id(value)} 的预约，请核对或到导服台咨询")
            todays = [b for b in bookings if b.day == today and not b.ticket_id]
            return todays[0] if todays else bookings[0]
        booking = queue_store.appointment(self.db, value)
        if booking is None:
            raise NotFoundError(f"没有预约号为“{value}”的预约，请核对预约短信或到导服台咨询")
        return booking

    def add_appointment(self, appointment: Appointment, now: datetime) -> None:
        """A booking made elsewhere (the booking site, later the central)."""
        self._category(appointment.category)
        with self.db.atomic():
            queue_store.save_appointment(self.db, appointment)
            outbox.record(
                self.db,
                table="appointments",
                row_id=appointment.code,
                kind="upsert",
                payload=queue_store.appointment_row(appointment),
                now=now,
            )

    def requeue(self, number: str, now: datetime, behind: int | None = None) -> Ticket:
        """A late arrival after 过号: back in the queue behind ``behind`` waiting tickets."""
        n = self.rules.requeue_behind if behind is None else behind
        with immediate(self.db):
            ticket = self.find(number, now)
            keys = queue_store.waiting_keys(self.db, ticket.day, ticket.category, ticket.lane)
            moved = requeued(ticket, keys, n, now)
            queue_store.update_ticket(self.db, moved, now)
            self._record(moved, "requeue", now, detail={"behind": n})
            return moved

    # --- the window ---------------------------------------------------------------

    def _served(self, window: str) -> list[str]:
        return [c.code for c in self.categories() if c.served_by(window)]

    def _check_hands_free(self, session: Session, day: date) -> None:
        check_hands_free(queue_store.at_window(self.db, day, session.window))

    def _take(
        self, session: Session, ticket: Ticket, kind: str, now: datetime, detail: dict[str, Any]
    ) -> Ticket:
        taken = called(ticket, session.window, session.staff.id, session.staff.name, now)
        queue_store.update_ticket(self.db, taken, now)
        self._record(
            taken, kind, now, window=session.window, staff_id=session.staff.id, detail=detail
        )
        self._set_clerk(session, ClerkState.SERVING, now)
        return taken

    def call_next(self, session: Session, now: datetime) -> Ticket:
        """Call the next ticket for this window by the call rule (module docstring of
        counter.model.queue)."""
        session.require(*QUEUE_ROLES)
        day = _day(now)
        with immediate(self.db):
            self._check_hands_free(session, day)
            codes = self._served(session.window)
            lanes = queue_store.waiting_lanes(self.db, day, codes, session.window)
            rule = self.rules.call_rule
            recent = queue_store.recent_call_lanes(
                self.db, day, session.window, max(rule.interleave, 1)
            )
            lane = rule.choose(lanes, recent)
            if lane is None:
                if not codes:
                    raise NotFoundError(
                        f"本窗口（{session.window} 号）没有设置办理的业务类别，请联系值班长"
                    )
                raise NotFoundError("目前没有等候的号，无需叫号")
            head = queue_store.head_of_lane(self.db, day, lane, codes, session.window)
            assert head is not None  # the lane was seen waiting in this transaction
            return self._take(session, head, "call_next", now, {"lane": lane.label})

    def call_specific(
        self, session: Session, number: str, now: datetime, reason: str = ""
    ) -> Ticket:
        """Call a ticket out of order (a waiting one, or one that missed its call);
        recorded with the reason."""
        session.require(*QUEUE_ROLES)
        with immediate(self.db):
            ticket = self.find(number, now)
            ticket.check_action("call", _day(now))
            self._check_hands_free(session, _day(now))
            return self._take(
                session,
                ticket,
                "call_specific",
                now,
                {"reason": reason.strip(), "was": ticket.state.value},
            )

    def _move(
        self,
        session: Session,
        ticket_id: str,
        action: str,
        now: datetime,
        **params: Any,
    ) -> Ticket:
        """One window action on this window's ticket, as the rulebook says
        (counter.model.queue.stepped)."""
        session.require(*QUEUE_ROLES)
        with immediate(self.db):
            ticket = self._mine(session, ticket_id, action, now)
            step = stepped(ticket, action, now, **params)
            if action == "resume":
                self._check_hands_free(session, _day(now))
            queue_store.update_ticket(self.db, step.ticket, now)
            self._record(
                step.ticket,
                action,
                now,
                window=session.window,
                staff_id=session.staff.id,
                detail=step.detail,
            )
            after = CLERK_AFTER.get(step.ticket.state)
            if after is ClerkState.IDLE:
                self._set_clerk(session, after, now)
            return step.ticket

    def recall(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "recall", now)

    def skip(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        """过号: the visitor did not come; a late arrival can be re-queued later."""
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "skip", now)

    def hold(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        """Park the ticket while the visitor fetches a document; the window may call on."""
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "hold", now)

    def resume(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "resume", now)

    def start(self, session: Session, ticket_id: str, now: datetime) -> Ticket:
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "start", now)

    def finish(
        self, session: Session, ticket_id: str, services: Sequence[str], now: datetime
    ) -> Ticket:
        """办结, recording the services actually delivered (a visit may cover several)."""
        session.require(*QUEUE_ROLES)
        return self._move(session, ticket_id, "finish", now, services=check_services(services))

    def transfer(
        self,
        session: Session,
        ticket_id: str,
        now: datetime,
        *,
        category: str = "",
        window: str = "",
    ) -> Ticket:
        """Send the visitor to another category or a named window, keeping the number
        and the place by issue time."""
        session.require(*QUEUE_ROLES)
        ticket = self._ticket(ticket_id)
        code = category.strip().upper() or ticket.category
        cat = self._category(code, "transfer_category")
        target = window.strip()
        check_transfer(cat, target, self.categories(), session.window, ticket.category)
        return self._move(session, ticket_id, "transfer", now, category=code, window=target)

    def link_case(
        self, ticket_id: str, case_number: str, now: datetime, session: Session | None = None
    ) -> Ticket:
        """Record a case opened while serving this ticket (called by intake)."""
        with immediate(self.db):
            ticket = self._ticket(ticket_id)
            joined = linked(ticket, case_number)
            if joined is ticket:
                return ticket
            queue_store.update_ticket(self.db, joined, now)
            self._record(
                joined,
                "link_case",
                now,
                window=session.window if session else ticket.window,
                staff_id=session.staff.id if session else ticket.clerk_id,
                detail={"case_number": joined.cases[-1]},
            )
            return joined

    def set_clerk_state(self, session: Session, state: ClerkState, now: datetime) -> None:
        """The clerk's own state: a break is refused while a visitor is at the window."""
        session.require(*QUEUE_ROLES)
        with immediate(self.db):
            if state is ClerkState.BREAK:
                self._check_hands_free(session, _day(now))
            self._set_clerk(session, state, now)

    def set_category_windows(
        self, session: Session, code: str, windows: Sequence[str], now: datetime
    ) -> Category:
        """Supervisor: which windows serve a category."""
        session.require(Role.SUPERVISOR)
        cat = self._category(code)
        changed = replace(cat, windows=tuple(w.strip() for w in windows if w.strip()))
        with self.db.atomic(), outbox.acting_as(self.db, session.acting):
            before = outbox.prior(self.db, "queue_categories", {"code": cat.code})
            queue_store.save_category(self.db, changed, now)
            outbox.record(
                self.db,
                table="queue_categories",
                row_id=cat.code,
                kind="upsert",
                payload=queue_store.category_row(changed, now),
                now=now,
                before=before,
            )
            detail = {"windows": list(changed.windows)}
            target = f"queue_categories:{cat.code}"
            audit_trail.record(self.db, session, AuditAction.CATALOG, target, detail, now)
        return changed
