"""The error taxonomy: faults of the world kept apart from the program's own bugs.

Every error raised on purpose derives from :class:`CounterError`, so the UI can show
it to the person as a message instead of a crash dialog.
"""

from __future__ import annotations

from collections.abc import Mapping


class CounterError(Exception):
    """Base of every error the program raises on purpose."""


class ValidationError(CounterError):
    """Bad input, tied to the field the person typed it in; message is Chinese for the UI."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ValidationErrors(ValidationError):
    """Several fields wrong at once, every one's message by field in screen order, so a
    form shows them all together (counter.ui.forms.FieldErrors). ``field`` and
    ``message`` are the first's: code that shows one error still shows the right one."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        if not messages:
            raise ValueError("ValidationErrors needs at least one message")
        field, message = next(iter(messages.items()))
        super().__init__(field, message)
        self.messages = dict(messages)


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


class FaultError(CounterError):
    """The world failed, not the person: a full disk, the central out of reach, a
    printer out of paper. Raised by the layer that met the fault (the store, the
    transport, the printer), with a message that tells the clerk what was lost and
    what to do; the technical cause rides along as ``__cause__`` for the log.

    Kept apart from refusals (:class:`NotAllowedError`, :class:`ValidationError`) so
    the UI can tell "you may not" from "it did not work": a refusal is shown at the
    field, a fault that lost the clerk's work also stops her with a dialog.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: What a storage fault is, in the words the store's messages are chosen by.
STORAGE_KINDS = ("full", "readonly", "busy", "corrupt", "io", "memory", "open")


class StorageError(FaultError):
    """The local store could not be read or written: the action did not happen.

    ``kind`` is one of :data:`STORAGE_KINDS`: the store picks the Chinese message from
    it, and tests and the log can tell a full disk from a locked file without parsing
    SQLite's English.
    """

    def __init__(self, message: str, *, kind: str = "io") -> None:
        super().__init__(message)
        if kind not in STORAGE_KINDS:
            raise ValueError(f"unknown storage fault kind: {kind}")
        self.kind = kind


class NetworkError(FaultError):
    """The central gave no usable answer (refused, reset, timed out, answer lost).

    ``str(error)`` stays the technical detail, which the sync and queue clients log
    and keep as they always did; ``message`` is what the clerk reads. A counter works
    on without the central, so the message says that nothing was lost here.
    """

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        reason = f"（{detail}）" if detail else ""
        self.message = f"连不上中心{reason}，请检查网络；本机数据已保存，恢复后自动同步"
