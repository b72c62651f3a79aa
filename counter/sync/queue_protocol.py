"""The wire format of the central's queue endpoints, shared by both ends.

A refused queue action (nobody waiting, a ticket in the wrong state, a bad field) is
answered 404 / 409 / 422 with the model's own Chinese message and, for a bad field,
the field's name, so the window shows it exactly as the local queue would.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _AtWindow(_Request):
    window: str = Field(min_length=1, max_length=20)
    staff_id: str = Field(max_length=64)
    staff_name: str = Field(max_length=64)
    at: str = Field(min_length=10, max_length=40)


class IssueRequest(_Request):
    category: str = Field(min_length=1, max_length=1)
    category_name: str = Field(max_length=100)
    numbering: str = Field(min_length=1, max_length=20)
    lane: int = Field(ge=0, le=2)
    one_waiting_per_person: bool
    priority_reason: str = Field(default="", max_length=50)
    appointment_code: str = Field(default="", max_length=50)
    person_id: str = Field(default="", max_length=50)
    person_name: str = Field(default="", max_length=100)
    at: str = Field(min_length=10, max_length=40)


class CallNextRequest(_AtWindow):
    codes: list[str] = Field(max_length=26)
    interleave: int = Field(ge=0, le=100)


class CallSpecificRequest(_AtWindow):
    number: str = Field(min_length=1, max_length=20)
    reason: str = Field(default="", max_length=200)


class ActRequest(_AtWindow):
    ticket_id: str = Field(min_length=1, max_length=64)
    action: Action
    params: dict[str, Any] = Field(default_factory=dict)


class RequeueRequest(_Request):
    number: str = Field(min_length=1, max_length=20)
    behind: int = Field(ge=0, le=1000)
    at: str = Field(min_length=10, max_length=40)


class BlockRequest(_Request):
    category: str = Field(min_length=1, max_length=1)
    numbering: str = Field(min_length=1, max_length=20)
    size: int = Field(ge=1, le=MAX_BLOCK)


class BlockResponse(BaseModel):
    first: int
    last: int


class ReconcileRequest(_Request):
    tickets: list[dict[str, Any]] = Field(max_length=MAX_RECONCILE)


class QueueRefusal(BaseModel):
    """Why the queue said no: ``error`` names the model error, ``field`` the input."""

    code: Literal["queue_refused"] = "queue_refused"
    error: Literal["not_found", "not_allowed", "validation"]
    reason: str
    field: str = ""
