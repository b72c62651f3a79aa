"""A ticket as a row: the one shape both ends keep tickets in.

A counter's ``tickets`` table, the op a counter pushes, the central's hall queue and
its HTTP answers all hold a ticket as this dict of columns. Written once here, in the
model, so the counter's store and the central read and write the very same row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from counter.model.clock import iso, iso_optional, parse_iso, parse_optional
from counter.model.queue import Lane, Ticket, TicketState

TICKET_COLUMNS = (
    "id, day, category, number, seq, issued_at, state, lane, queue_key, priority_reason,"
    " appointment_code, person_id, person_name, target_window, window, clerk_id, clerk_name,"
    " first_called_at, last_called_at, call_count, started_at, finished_at, services, cases"
)


def ticket_from_values(row: Sequence[Any]) -> Ticket:
    """A ticket from its columns in :data:`TICKET_COLUMNS` order (a SELECT's row)."""
    return Ticket(
        id=row[0],
        day=date.fromisoformat(row[1]),
        category=row[2],
        number=row[3],
        seq=row[4],
        issued_at=parse_iso(row[5]),
        state=TicketState(row[6]),
        lane=Lane(row[7]),
        queue_key=row[8],
        priority_reason=row[9],
        appointment_code=row[10],
        person_id=row[11],
        person_name=row[12],
        target_window=row[13],
        window=row[14],
        clerk_id=row[15],
        clerk_name=row[16],
        first_called_at=parse_optional(row[17]),
        last_called_at=parse_optional(row[18]),
        call_count=row[19],
        started_at=parse_optional(row[20]),
        finished_at=parse_optional(row[21]),
        services=tuple(json.loads(row[22])),
        cases=tuple(json.loads(row[23])),
    )


def ticket_from_row(row: Mapping[str, Any]) -> Ticket:
    """The ticket a :func:`ticket_row` dict describes (the central keeps tickets so)."""
    return ticket_from_values([row[c.strip()] for c in TICKET_COLUMNS.split(",")])


def ticket_row(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "day": ticket.day.isoformat(),
        "category": ticket.category,
        "number": ticket.number,
        "seq": ticket.seq,
        "issued_at": iso(ticket.issued_at),
        "state": ticket.state.value,
        "lane": int(ticket.lane),
        "queue_key": ticket.queue_key,
        "priority_reason": ticket.priority_reason,
        "appointment_code": ticket.appointment_code,
        "person_id": ticket.person_id,
        "person_name": ticket.person_name,
        "target_window": ticket.target_window,
        "window": ticket.window,
        "clerk_id": ticket.clerk_id,
        "clerk_name": ticket.clerk_name,
        "first_called_at": iso_optional(ticket.first_called_at),
        "last_called_at": iso_optional(ticket.last_called_at),
        "call_count": ticket.call_count,
        "started_at": iso_optional(ticket.started_at),
        "finished_at": iso_optional(ticket.finished_at),
        "services": json.dumps(list(ticket.services), ensure_ascii=False),
        "cases": json.dumps(list(ticket.cases), ensure_ascii=False),
        "updated_at": iso(now),
    }
