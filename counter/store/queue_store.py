"""Queue tables: categories, numbers, tickets, their events, clerk states, appointments.

Plain reads and writes; the caller (counter.services.queue_service) holds the
transaction, so a read-then-write such as "the head of the queue" runs under
``BEGIN IMMEDIATE`` there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso, iso_optional, parse_iso, parse_optional
from counter.model.queue import (
    BOARD_CALLS,
    Appointment,
    Category,
    ClerkState,
    Lane,
    Ticket,
)
from counter.model.ticket_rows import (
    TICKET_COLUMNS,
    ticket_from_values,
    ticket_row,
)
from counter.store import queue_packs

_OPEN_STATES = ("waiting", "called", "serving", "held")


# --- categories -------------------------------------------------------------------


def _category(row: Sequence[Any]) -> Category:
    windows = tuple(w for w in str(row[2]).split(",") if w)
    return Category(code=row[0], name=row[1], windows=windows, sort=row[3], active=bool(row[4]))


def categories(db: Database) -> list[Category]:
    rows = db.execute(
        "SELECT code, name, windows, sort, active FROM queue_categories ORDER BY sort, code"
    ).fetchall()
    return [_category(r) for r in rows]


def category(db: Database, code: str) -> Category | None:
    row = db.execute(
        "SELECT code, name, windows, sort, active FROM queue_categories WHERE code = ?", [code]
    ).fetchone()
    return _category(row) if row else None


def category_row(cat: Category, now: datetime) -> dict[str, Any]:
    return {
        "code": cat.code,
        "name": cat.name,
        "windows": ",".join(cat.windows),
        "sort": cat.sort,
        "active": int(cat.active),
        "updated_at": iso(now),
    }


def save_category(db: Database, cat: Category, now: datetime) -> None:
    db.table("queue_categories").upsert(category_row(cat, now), pk="code")


# --- numbering and tickets --------------------------------------------------------


def next_seq(db: Database, category_code: str, numbering: str) -> int:
    """Take the next number; the caller holds BEGIN IMMEDIATE."""
    row = db.execute(
        "SELECT last_seq FROM queue_numbers WHERE category = ? AND numbering = ?",
        [category_code, numbering],
    ).fetchone()
    seq = (row[0] if row else 0) + 1
    db.execute(
        "INSERT INTO queue_numbers (category, numbering, last_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (category, numbering) DO UPDATE SET last_seq = excluded.last_seq",
        [category_code, numbering, seq],
    )
    return seq


def insert_ticket(db: Database, ticket: Ticket, now: datetime) -> None:
    db.table("tickets").insert(ticket_row(ticket, now))


def update_ticket(db: Database, ticket: Ticket, now: datetime) -> None:
    row = ticket_row(ticket, now)
    row.pop("id")
    db.table("tickets").update(ticket.id, row)


def get_ticket(db: Database, ticket_id: str) -> Ticket | None:
    row = db.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", [ticket_id]).fetchone()
    return ticket_from_values(row) if row else None


def find_by_number(db: Database, number: str) -> list[Ticket]:
    """Every ticket with this number, newest day first (numbers repeat daily)."""
    rows = db.execute(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE number = ? ORDER BY day DESC", [number]
    ).fetchall()
    return [ticket_from_values(r) for r in rows]


def _eligible(codes: Sequence[str]) -> tuple[str, list[Any]]:
    marks = ",".join("?" for _ in codes) or "NULL"
    # A ticket handed over to the central is the central's to call, never this store's.
    return (
        f"handed_over = 0 AND ((category IN ({marks}) AND target_window = '')"
        " OR target_window = ?)",
        list(codes),
    )


def waiting_lanes(db: Database, day: date, codes: Sequence[str], window: str) -> set[Lane]:
    clause, params = _eligible(codes)
    rows = db.execute(
        f"SELECT DISTINCT lane FROM tickets WHERE day = ? AND state = 'waiting' AND {clause}",
        [day.isoformat(), *params, window],
    ).fetchall()
    return {Lane(r[0]) for r in rows}


def head_of_lane(
    db: Database, day: date, lane: Lane, codes: Sequence[str], window: str
) -> Ticket | None:
    clause, params = _eligible(codes)
    row = db.execute(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ? AND state = 'waiting'"
        f" AND lane = ? AND {clause} ORDER BY queue_key, seq LIMIT 1",
        [day.isoformat(), int(lane), *params, window],
    ).fetchone()
    return ticket_from_values(row) if row else None


def waiting_keys(db: Database, day: date, category_code: str, lane: Lane) -> list[float]:
    rows = db.execute(
        "SELECT queue_key FROM tickets WHERE day = ? AND state = 'waiting' AND category = ?"
        " AND lane = ? ORDER BY queue_key, seq",
        [day.isoformat(), category_code, int(lane)],
    ).fetchall()
    return [r[0] for r in rows]


def waiting_ahead(db: Database, ticket: Ticket) -> int:
    """Waiting tickets of the same category that come before this one by lane and place."""
    row = db.execute(
        "SELECT count(*) FROM tickets WHERE day = ? AND state = 'waiting' AND category = ?"
        " AND id != ? AND (lane < ? OR (lane = ? AND (queue_key < ?"
        " OR (queue_key = ? AND seq < ?))))",
        [
            ticket.day.isoformat(),
            ticket.category,
            ticket.id,
            int(ticket.lane),
            int(ticket.lane),
            ticket.queue_key,
            ticket.queue_key,
            ticket.seq,
        ],
    ).fetchone()
    return int(row[0])


def open_numbers_for_person(
    db: Database, day: date, person_id: str, category_code: str
) -> list[str]:
    marks = ",".join("?" for _ in _OPEN_STATES)
    rows = db.execute(
        f"SELECT number FROM tickets WHERE person_id = ? AND day = ? AND category = ?"
        f" AND state IN ({marks}) ORDER BY seq",
        [person_id, day.isoformat(), category_code, *_OPEN_STATES],
    ).fetchall()
    return [r[0] for r in rows]


def at_window(db: Database, day: date, window: str) -> list[Ticket]:
    """The window's tickets in hand: called, serving or held."""
    rows = db.execute(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ? AND window = ?"
        " AND state IN ('called', 'serving', 'held') ORDER BY last_called_at",
        [day.isoformat(), window],
    ).fetchall()
    return [ticket_from_values(r) for r in rows]


def tickets_of_day(db: Database, day: date) -> list[Ticket]:
    rows = db.execute(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ? ORDER BY lane, queue_key, seq",
        [day.isoformat()],
    ).fetchall()
    return [ticket_from_values(r) for r in rows]


def waiting_counts(db: Database, day: date) -> dict[str, int]:
    rows = db.execute(
        "SELECT category, count(*) FROM tickets WHERE day = ? AND state = 'waiting'"
        " GROUP BY category",
        [day.isoformat()],
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


# --- offline numbers and hand-over (counter.services.central_queue) ----------------


def take_block_seq(db: Database, category_code: str, numbering: str) -> int | None:
    """Take the next number from this counter's oldest reserved block with numbers left;
    None when every block is used up. The caller holds BEGIN IMMEDIATE."""
    row = db.execute(
        "SELECT first_seq, next_seq FROM queue_blocks WHERE category = ? AND numbering = ?"
        " AND next_seq <= last_seq ORDER BY first_seq LIMIT 1",
        [category_code, numbering],
    ).fetchone()
    if row is None:
        return None
    db.execute(
        "UPDATE queue_blocks SET next_seq = next_seq + 1"
        " WHERE category = ? AND numbering = ? AND first_seq = ?",
        [category_code, numbering, row[0]],
    )
    return int(row[1])


def block_numbers_left(db: Database, category_code: str, numbering: str) -> int:
    """How many reserved numbers this counter has still to issue offline."""
    row = db.execute(
        "SELECT coalesce(sum(last_seq - next_seq + 1), 0) FROM queue_blocks"
        " WHERE category = ? AND numbering = ?",
        [category_code, numbering],
    ).fetchone()
    return int(row[0])


def in_reserved_block(db: Database, category_code: str, seq: int) -> bool:
    """Whether a number lies in one of the blocks the central reserved for this counter."""
    found = db.execute(
        "SELECT 1 FROM queue_blocks WHERE category = ? AND first_seq <= ? AND last_seq >= ?",
        [category_code, seq, seq],
    ).fetchone()
    return found is not None


def add_block(
    db: Database, category_code: str, numbering: str, first: int, last: int, at: datetime
) -> None:
    """Keep a block of numbers the central reserved for this counter."""
    db.table("queue_blocks").insert(
        {
            "category": category_code,
            "numbering": numbering,
            "first_seq": first,
            "last_seq": last,
            "next_seq": first,
            "reserved_at": iso(at),
        }
    )


def is_handed_over(db: Database, ticket_id: str) -> bool:
    """Whether the ticket is the central's to call (handed over, or issued there)."""
    row = db.execute("SELECT handed_over FROM tickets WHERE id = ?", [ticket_id]).fetchone()
    return bool(row and row[0])


def mark_all_handed_over(db: Database) -> None:
    db.execute("UPDATE tickets SET handed_over = 1 WHERE handed_over = 0")


#: This store's own bookkeeping on a ticket row, which the central does not take.
_LOCAL_TICKET_FLAGS = ("handed_over", "reconciled")


def unreconciled_tickets(db: Database, limit: int = 500) -> list[dict[str, Any]]:
    """Handed-over tickets not yet sent to the central, as rows without this store's
    own flags, in id order."""
    rows = db.query(
        "SELECT * FROM tickets WHERE handed_over = 1 AND reconciled = 0 ORDER BY id LIMIT ?",
        [limit],
    )
    return [{k: v for k, v in r.items() if k not in _LOCAL_TICKET_FLAGS} for r in rows]


def mark_reconciled(db: Database, ticket_ids: Sequence[str]) -> None:
    db.conn.executemany("UPDATE tickets SET reconciled = 1 WHERE id = ?", [[i] for i in ticket_ids])


# --- events -----------------------------------------------------------------------


def add_event(
    db: Database,
    ticket: Ticket,
    kind: str,
    at: datetime,
    *,
    window: str = "",
    staff_id: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO ticket_events (ticket_id, day, at, kind, lane, window, staff_id, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ticket.id,
            ticket.day.isoformat(),
            iso(at),
            kind,
            int(ticket.lane),
            window,
            staff_id,
            json.dumps(detail or {}, ensure_ascii=False),
        ],
    )
    return int(cursor.lastrowid or 0)


def recent_call_lanes(db: Database, day: date, window: str, limit: int) -> list[Lane]:
    """Lanes of this window's latest "call next" picks, most recent first."""
    rows = db.execute(
        "SELECT lane FROM ticket_events WHERE day = ? AND window = ? AND kind = 'call_next'"
        " ORDER BY id DESC LIMIT ?",
        [day.isoformat(), window, limit],
    ).fetchall()
    return [Lane(r[0]) for r in rows]


def latest_calls(db: Database, day: date) -> list[tuple[int, str, Ticket]]:
    """(event id, window, ticket) of the day's last :data:`BOARD_CALLS` tickets called,
    each at its latest call or recall, newest first."""
    rows = db.execute(
        f"SELECT e.id, e.window, {', '.join('t.' + c.strip() for c in TICKET_COLUMNS.split(','))}"
        " FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id"
        " WHERE e.id IN (SELECT max(id) FROM ticket_events WHERE day = ?"
        " AND kind IN ('call_next', 'call_specific', 'recall') GROUP BY ticket_id)"
        " ORDER BY e.id DESC LIMIT ?",
        [day.isoformat(), BOARD_CALLS],
    ).fetchall()
    return [(int(r[0]), str(r[1]), ticket_from_values(r[2:])) for r in rows]


def events_of(db: Database, ticket_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, at, window, detail) of one ticket, oldest first; a past day's from its
    pack (queue_packs)."""
    day = db.execute("SELECT day FROM tickets WHERE id = ?", [ticket_id]).fetchone()
    packed = [
        (e["kind"], e["at"], e["window"], e["detail"])
        for e in (queue_packs.packed_rows(db, "ticket_events", day[0]) if day else [])
        if e["ticket_id"] == ticket_id
    ]
    rows = db.execute(
        "SELECT kind, at, window, detail FROM ticket_events WHERE ticket_id = ? ORDER BY id",
        [ticket_id],
    ).fetchall()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in [*packed, *rows]]


# --- clerks -----------------------------------------------------------------------


def add_clerk_state(
    db: Database,
    staff_id: str,
    staff_name: str,
    window: str,
    state: ClerkState,
    at: datetime,
    *,
    uid: str | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO clerk_states (staff_id, staff_name, window, state, at, day, uid)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [staff_id, staff_name, window, state.value, iso(at), at.date().isoformat(), uid],
    )
    return int(cursor.lastrowid or 0)


def clerk_state(db: Database, staff_id: str, day: date) -> ClerkState | None:
    row = db.execute(
        "SELECT state FROM clerk_states WHERE staff_id = ? AND day = ? ORDER BY id DESC LIMIT 1",
        [staff_id, day.isoformat()],
    ).fetchone()
    if row is not None:
        return ClerkState(row[0])
    packed = [
        s for s in queue_packs.packed_rows(db, "clerk_states", day) if s["staff_id"] == staff_id
    ]
    return ClerkState(packed[-1]["state"]) if packed else None


def clerk_changes(db: Database, day: date) -> list[tuple[str, str, ClerkState, datetime]]:
    """(staff, window, state, since) of a day's clerk states in order; a past day's
    from its pack (queue_packs)."""
    packed = [
        (s["staff_id"], s["window"], s["state"], s["at"])
        for s in queue_packs.packed_rows(db, "clerk_states", day)
    ]
    rows = db.execute(
        "SELECT staff_id, window, state, at FROM clerk_states WHERE day = ? ORDER BY id",
        [day.isoformat()],
    ).fetchall()
    return [(r[0], r[1], ClerkState(r[2]), parse_iso(r[3])) for r in [*packed, *rows]]


# --- appointments -----------------------------------------------------------------


def _appointment(row: Sequence[Any]) -> Appointment:
    return Appointment(
        code=row[0],
        day=date.fromisoformat(row[1]),
        category=row[2],
        name=row[3],
        id_number=row[4],
        slot=row[5],
        ticket_id=row[6],
        checked_in_at=parse_optional(row[7]),
    )


_APPOINTMENT_COLUMNS = "code, day, category, name, id_number, slot, ticket_id, checked_in_at"


def appointment_row(appointment: Appointment) -> dict[str, Any]:
    return {
        "code": appointment.code,
        "day": appointment.day.isoformat(),
        "category": appointment.category,
        "name": appointment.name,
        "id_number": appointment.id_number,
        "slot": appointment.slot,
        "ticket_id": appointment.ticket_id,
        "checked_in_at": iso_optional(appointment.checked_in_at),
    }


def save_appointment(db: Database, appointment: Appointment) -> None:
    db.table("appointments").upsert(appointment_row(appointment), pk="code")


def appointment(db: Database, code: str) -> Appointment | None:
    row = db.execute(
        f"SELECT {_APPOINTMENT_COLUMNS} FROM appointments WHERE code = ?", [code]
    ).fetchone()
    return _appointment(row) if row else None


def appointments_of_person(db: Database, id_number: str) -> list[Appointment]:
    rows = db.execute(
        f"SELECT {_APPOINTMENT_COLUMNS} FROM appointments WHERE id_number = ? ORDER BY day DESC",
        [id_number],
    ).fetchall()
    return [_appointment(r) for r in rows]


#: Demo bookings (code, day offset, category, name, ID number, slot).
DEMO_APPOINTMENTS = (
    ("YY0001", 0, "A", "王小明", "110101199003071234", "09:00-09:30"),
    ("YY0002", 0, "B", "李华", "310104198512120021", "10:00-10:30"),
    ("YY0003", 0, "C", "张三丰", "440305196708150018", "14:00-14:30"),
    ("YY0004", 1, "A", "赵敏", "32010219920101002X", "09:30-10:00"),
)


def seed_demo_appointments(db: Database, today: date) -> None:
    """A few bookings relative to the day the store was made, for the demo and tests."""
    if db.execute("SELECT count(*) FROM appointments").fetchone()[0]:
        return
    with db.atomic():
        for code, offset, cat, name, id_number, slot in DEMO_APPOINTMENTS:
            save_appointment(
                db,
                Appointment(code, today + timedelta(days=offset), cat, name, id_number, slot),
            )
