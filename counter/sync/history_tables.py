"""What a counter that ran alone brings to the central when it is enrolled (issue 32).

A counter that has never been enrolled keeps no ops for its casework: the rows are the
record, and the outbox would otherwise hold every step of every case for the day a
central arrives (370 MB per 10k cases and tickets). When that day comes and the
central's enrolment code allows it (``counter-central enrol-code --history``), the
counter sends each row of these tables once, as an ``import`` op, before anything else
it sends; the central checks each against its own records (counter.central.history)
and stores it as the kind the table's own ops have. Without that permission the rows
stay on the counter.

Only the window's own work is here, parents before the rows that name them (a case
before its materials, an applicant before the case): never a hall-wide table (holidays,
the credit list, the queue's categories: the hall's are the central's) and nothing that
judges the hall's work (ratings: a device cannot bring good ratings of its own making).
"""

from __future__ import annotations

#: Table → the kind its rows are stored as at the central, in the order they are sent.
HISTORY_KINDS: dict[str, str] = {
    "applicants": "upsert",
    "cases": "upsert",
    "case_materials": "upsert",
    "case_events": "event",
    "unmask_log": "insert",
    "tickets": "upsert",
    "clerk_states": "insert",
    "print_log": "event",
    "audit_log": "insert",
}
