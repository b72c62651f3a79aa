"""The error taxonomy: faults of the world kept apart from the program's own bugs.

Every error raised on purpose derives from :class:`CounterError`, so the UI can show
it to the person as a message instead of a crash dialog.
"""

from __future__ import annotations


class CounterError(Exception):
    """Base of every error the program raises on purpose."""


class ValidationError(CounterError):
    """Bad input, tied to the field the person typed it in; message is Chinese for the UI."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotAllowedError(CounterError):
    """A request the rules refuse: the signed-in role, the state of a record, a wrong password."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(CounterError):
    """A record the person asked for does not exist."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RoleRefusedError(NotAllowedError):
    """The signed-in role (or a missing window) may not make this call at all.

    Kept apart from other refusals (a record's state) so the role table's test can
    tell "this role is refused" from "this record is not in a state to allow it".
    """
