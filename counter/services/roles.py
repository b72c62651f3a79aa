"""Who may make which service call: the table lives in :mod:`counter.model.roles`, where
the central reads it too (a counter's claim of a role is checked against it there)."""

from counter.model.roles import (
    EVERYONE,
    HALL_STAFF,
    ROLE_TABLE,
    SITE_VISITORS,
    SUPERVISORS,
    UNGUARDED,
    WINDOW_STAFF,
    allowed,
    roles_for,
)

__all__ = [
    "EVERYONE",
    "HALL_STAFF",
    "ROLE_TABLE",
    "SITE_VISITORS",
    "SUPERVISORS",
    "UNGUARDED",
    "WINDOW_STAFF",
    "allowed",
    "roles_for",
]
