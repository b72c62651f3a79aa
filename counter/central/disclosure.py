"""What each kind of device may hold of what the central sends down (least privilege).

A kiosk, a call board or a rating pad stands in the public part of the hall with nobody
signed in; a stolen one must give away no applicant's ID or phone number and no
password hash to guess at. They get the queue's and the hall's own tables, with the
people in tickets and appointments cut to a masked name. A window counter or a
specialist's laptop gets what its work needs, but password hashes only of staff who
may sign in on that kind of device.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from counter.model.devices import DeviceKind
from counter.model.identity import mask_name
from counter.model.staff import Role

#: What a station needs from the central: the queue, the calendar, the hall's settings.
PUBLIC_TABLES = frozenset(
    {
        "queue_categories",
        "tickets",
        "appointments",
        "holidays",
        "holiday_years",
        "hall_settings",
        "catalog",
        "staff",
    }
)
#: Fields of a station's rows that name a person, and what is left of them.
_PERSONAL_FIELDS: dict[str, dict[str, str | Callable[[str], str]]] = {
    "tickets": {"person_id": "", "person_name": mask_name},
    "appointments": {"id_number": "", "name": mask_name},
    "staff": {"password_hash": "", "certificate_no": ""},
}
#: Who signs in on which kind of device (a supervisor covers windows and visits).
SIGNS_IN = {
    DeviceKind.WINDOW: frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN}),
    DeviceKind.LAPTOP: frozenset({Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN}),
}

Row = tuple[Any, ...]  # cursor, table_name, row_id, kind, payload (JSON text), hlc, origin


def disclosed(kind: DeviceKind, rows: list[Row]) -> list[Row]:
    """``rows`` as a device of ``kind`` may have them."""
    if kind.public:
        return [_cut(r) for r in rows if r[1] in PUBLIC_TABLES]
    signs_in = SIGNS_IN.get(kind, frozenset())
    return [_staff_for(r, signs_in) if r[1] == "staff" else r for r in rows]


def _cut(row: Row) -> Row:
    fields = _PERSONAL_FIELDS.get(row[1])
    if not fields:
        return row
    payload = json.loads(row[4])
    for name, keep in fields.items():
        if name in payload:
            payload[name] = keep(str(payload[name])) if callable(keep) else keep
    return (*row[:4], json.dumps(payload, ensure_ascii=False), *row[5:])


def _staff_for(row: Row, signs_in: frozenset[Role]) -> Row:
    payload = json.loads(row[4])
    try:
        role = Role(payload.get("role", ""))
    except ValueError:
        role = None
    if role in signs_in or not payload.get("password_hash"):
        return row
    payload["password_hash"] = ""
    return (*row[:4], json.dumps(payload, ensure_ascii=False), *row[5:])
