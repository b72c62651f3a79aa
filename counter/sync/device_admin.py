"""The hall's device list and a device's revocation, asked of the central by a supervisor
at a counter: the wire format and what the supervisor signs, shared by both ends.

A device token says only which device asks, and a counter's own staff table can be
edited by whoever holds the PC. So the central believes neither that someone signed in
at the counter nor that she is a supervisor: each request carries her staff id and a
signature by her signing key (derived from her password as she signed in,
:mod:`counter.model.staff_key`), and the central checks it against the public key in
*its* record of her, with *its* record of her role. The signed message names the asking
device (the token's, checked by the central), the action, its target and the time, and
starts with a purpose of its own, so a signature made for an op cannot be passed off as
one for this, nor this one sent from another device, for another device, or much later.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: What a signature for this request is for: never the shape of an op's message.
PURPOSE = "counter-device-admin/1"
#: How far the signed time may be from the central's clock. The counter signs in the
#: central's time as it last heard it (its clock offset), so a PC clock hours off does
#: not lock the supervisor out; a signature seen on the wire is no good after this.
MAX_SKEW_MS = 5 * 60 * 1000

Action = Literal["list", "revoke"]


def admin_message(device_id: str, staff_id: str, action: str, target: str, at_ms: int) -> bytes:
    """The bytes a supervisor signs for one request from one device."""
    body = {
        "purpose": PURPOSE,
        "device_id": device_id,
        "staff_id": staff_id,
        "action": action,
        "target": target,
        "at_ms": at_ms,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class DeviceAdminRequest(BaseModel):
    """``POST /v1/devices``: list the hall's devices, or revoke one (``target``)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    staff_id: str = Field(min_length=1, max_length=64)
    action: Action
    target: str = Field(default="", max_length=64)
    at_ms: int = Field(ge=0, le=2**53)
    proof: str = Field(min_length=1, max_length=256)


class DeviceRow(BaseModel):
    """One device as the central records it."""

    model_config = ConfigDict(extra="ignore")

    device_id: str
    name: str
    kind: str
    kind_label: str
    window: str
    revoked: bool
    enrolled_at: int
    #: When the central last heard from it (kept at most once a minute), or None.
    last_seen: int | None
    #: Its ops the central refused.
    refused_ops: int


class DeviceList(BaseModel):
    """The answer: every device, and what was done (``revoked`` names the device)."""

    model_config = ConfigDict(extra="ignore")

    devices: list[DeviceRow]
    revoked: str = ""
