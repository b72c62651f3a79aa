"""The wire format of the central's queue endpoints, shared by both ends.

A refused queue action (nobody waiting, a ticket in the wrong state, a bad field) is
answered 404 / 409 / 422 with the model's own Chinese message and, for a bad field,
the field's name, so the window shows it exactly as the local queue would.

Every field is bounded (length, pattern, range) here rather than checked deeper down:
schemathesis found inputs that passed the old models and then failed inside the queue
(a year-1 time overflowing when moved into the hall's zone, an offline ticket missing
its columns), each a 500 instead of a 422.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

QUEUE_ACTIONS = (
    "recall",
    "skip",
    "hold",
    "resume",
    "start",
    "finish",
    "transfer",
    "link_case",
)
MAX_BLOCK = 1000
MAX_RECONCILE = 1000

Action = Literal["recall", "skip", "hold", "resume", "start", "finish", "transfer", "link_case"]
State = Literal["waiting", "called", "serving", "held", "done", "no_show"]

#: One English capital letter: the category's prefix on the ticket.
CATEGORY_PATTERN = r"^[A-Z]$"
#: A ticket id as :func:`counter.model.queue.ticket_id` makes it: ``20260901-A017``.
TICKET_ID_PATTERN = r"^[0-9]{8}-[A-Z][0-9]{3,9}$"
#: A moment with its offset, this century or the next (what ``counter.model.clock.iso`` writes).
MOMENT_PATTERN = (
    r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([+-][0-9]{2}:[0-9]{2}|Z)$"
)
DAY_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"

#: The header naming one clerk's (or applicant's) action on every state-changing queue
#: request: the counter makes the id once per action and sends the same one on each
#: retry of it, and the central answers a repeat from the same device with the answer
#: it gave the first time instead of acting again. An answer lost on the way back
#: (proxy, Wi-Fi, timeout) so costs one more round trip, never a second ticket called
#: or issued. A header rather than a body field: a central too old to know it ignores
#: it, where a body field would be refused (``extra="forbid"``).
REQUEST_ID_HEADER = "Idempotency-Key"
#: A request id: a UUID as the counter makes it, or 16-64 letters, digits, ``-``, ``_``.
REQUEST_ID_PATTERN = r"^[0-9A-Za-z_-]{16,64}$"


def _moment(text: str) -> str:
    """The pattern admits 2026-13-45; the calendar does not."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("不是有效的日期时间") from None
    return text


def _day(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError("不是有效的日期") from None
    return text


def _optional_moment(text: str | None) -> str | None:
    return None if text is None else _moment(text)


def _json_texts(text: str) -> str:
    """``services`` and ``cases`` travel as a JSON list of strings inside the row."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("应为 JSON 文字列表") from None
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ValueError("应为 JSON 文字列表")
    return text


JsonTexts = Annotated[str, Field(max_length=10_000), AfterValidator(_json_texts)]
Moment = Annotated[str, Field(pattern=MOMENT_PATTERN, max_length=40), AfterValidator(_moment)]
OptionalMoment = Annotated[
    str | None,
    Field(default=None, pattern=MOMENT_PATTERN, max_length=40),
    AfterValidator(_optional_moment),
]
Category = Annotated[str, Field(pattern=CATEGORY_PATTERN)]
Text20 = Annotated[str, Field(max_length=20)]
Text64 = Annotated[str, Field(max_length=64)]
Text100 = Annotated[str, Field(max_length=100)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """PostgreSQL cannot store U+0000 in text: refused here, not by the database."""
        if _has_nul(data):
            raise ValueError("文字中不能有 NUL 字符")
        return data


class _AtWindow(_Request):
    window: str = Field(min_length=1, max_length=20)
    staff_id: Text64
    staff_name: Text64
    at: Moment


class IssueRequest(_Request):
    category: Category
    category_name: Text100
    numbering: str = Field(min_length=1, max_length=20)
    lane: int = Field(ge=0, le=2)
    # The device's own setting, still sent; the central decides by the hall settings
    # published on it (HallQueue.issue), whatever a device says here.
    one_waiting_per_person: bool
    priority_reason: str = Field(default="", max_length=50)
    appointment_code: str = Field(default="", max_length=50)
    person_id: str = Field(default="", max_length=50)
    person_name: Text100 = ""
    at: Moment


class CallNextRequest(_AtWindow):
    codes: list[Category] = Field(max_length=26)
    interleave: int = Field(ge=0, le=100)


class CallSpecificRequest(_AtWindow):
    number: str = Field(min_length=1, max_length=20)
    reason: str = Field(default="", max_length=200)


class ActParams(_Request):
    """What an action needs beyond the ticket: finish its services, transfer its target,
    link_case the case number; the other actions need nothing."""

    services: list[Text100] = Field(default_factory=list, max_length=50)
    category: Annotated[str, Field(pattern=r"^[A-Z]?$")] = ""
    window: Text20 = ""
    case_number: Text64 = ""


class ActRequest(_AtWindow):
    ticket_id: str = Field(pattern=TICKET_ID_PATTERN)
    action: Action
    params: ActParams = Field(default_factory=ActParams)


class RequeueRequest(_Request):
    number: str = Field(min_length=1, max_length=20)
    behind: int = Field(ge=0, le=1000)
    at: Moment


class BlockRequest(_Request):
    category: Category
    numbering: str = Field(min_length=1, max_length=20)
    size: int = Field(ge=1, le=MAX_BLOCK)


class BlockResponse(BaseModel):
    first: int
    last: int


class TicketRow(_Request):
    """A ticket as the counters and the central keep it (``counter.model.ticket_rows.ticket_row``).
    Columns a counter keeps for itself are ignored, so a newer counter can still hand
    its offline tickets over."""

    model_config = ConfigDict(extra="ignore", strict=True)

    id: str = Field(pattern=TICKET_ID_PATTERN)
    day: Annotated[str, Field(pattern=DAY_PATTERN), AfterValidator(_day)]
    category: Category
    number: str = Field(pattern=r"^[A-Z][0-9]{3,9}$")
    seq: int = Field(ge=1, le=999_999_999)
    issued_at: Moment
    state: State
    lane: int = Field(ge=0, le=2)
    queue_key: float = Field(ge=0, le=1e15)
    priority_reason: str = Field(default="", max_length=50)
    appointment_code: str = Field(default="", max_length=50)
    person_id: str = Field(default="", max_length=50)
    person_name: Text100 = ""
    target_window: Text20 = ""
    window: Text20 = ""
    clerk_id: Text64 = ""
    clerk_name: Text64 = ""
    first_called_at: OptionalMoment = None
    last_called_at: OptionalMoment = None
    call_count: int = Field(default=0, ge=0, le=10_000)
    started_at: OptionalMoment = None
    finished_at: OptionalMoment = None
    services: JsonTexts = "[]"
    cases: JsonTexts = "[]"

    @model_validator(mode="after")
    def _one_ticket(self) -> TicketRow:
        """The id, day, number and category of a ticket say the same thing."""
        if not self.number.startswith(self.category):
            raise ValueError(f"票号 {self.number} 不属于类别 {self.category}")
        if self.id != f"{self.day.replace('-', '')}-{self.number}":
            raise ValueError(f"编号 {self.id} 与日期、票号不符")
        return self


class ReconcileRequest(_Request):
    tickets: list[TicketRow] = Field(max_length=MAX_RECONCILE)


class QueueRefusal(BaseModel):
    """Why the queue said no: ``error`` names the model error, ``field`` the input."""

    code: Literal["queue_refused"] = "queue_refused"
    error: Literal["not_found", "not_allowed", "validation"]
    reason: str
    field: str = ""


# --- what the central answers (documented in the schema; the bodies are built from the
# stored rows, so unknown keys are allowed: a newer central may add a field) ----------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class TicketOut(_Answer):
    """A ticket as stored on the central (``counter.model.ticket_rows.ticket_row``)."""

    id: str
    day: str
    category: str
    number: str
    seq: int
    issued_at: str
    state: str
    lane: int
    queue_key: float
    priority_reason: str = ""
    appointment_code: str = ""
    person_id: str = ""
    person_name: str = ""
    target_window: str = ""
    window: str = ""
    clerk_id: str = ""
    clerk_name: str = ""
    first_called_at: str | None = None
    last_called_at: str | None = None
    call_count: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    services: str = "[]"
    cases: str = "[]"


class TicketAnswer(_Answer):
    ticket: TicketOut


class IssueAnswer(TicketAnswer):
    """``view_token``: the ticket's queue-view link (``/queue/<token>`` on the central),
    printed as the slip's QR; absent from an older central's answer, and an older
    kiosk ignores it (answers allow unknown keys)."""

    waiting_ahead: int
    view_token: str = Field(default="", max_length=64, pattern=r"^[0-9A-Za-z_-]*$")


class ReconcileAnswer(_Answer):
    added: int


class TicketsAnswer(_Answer):
    tickets: list[TicketOut]


class BoardCallOut(_Answer):
    event_id: int
    window: str
    ticket: TicketOut


class BoardAnswer(_Answer):
    calls: list[BoardCallOut]


class QueueEventOut(_Answer):
    id: int
    ticket_id: str
    day: str
    at: str
    kind: str
    lane: int
    window: str
    staff_id: str
    detail: dict[str, Any]
    number: str


class EventsAnswer(_Answer):
    """``last``: the id to ask after next time (the given one when nothing came)."""

    events: list[QueueEventOut]
    last: int
