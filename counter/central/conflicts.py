"""The hall's 同步冲突 list, as the central writes it.

A conflict is a change that met another device's change to the same field of the same
row (counter.model.merge). The central keeps one and lists the other here, with who
made each and when, so nothing is lost without a trace; the list travels to every
window and laptop like any synced table, and a supervisor settles each entry there
(``sync_conflicts`` in counter.central.authority).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from counter.model.clock import HALL_TZ, Hlc, iso, version_device
from counter.model.merge import Merged
from counter.sync.protocol import WireOp

if TYPE_CHECKING:
    from counter.central.authority import CentralStaff, Held
    from counter.central.engine import Device


def _when(stamp: str) -> str:
    return iso(datetime.fromtimestamp(Hlc.decode(stamp).wall_ms / 1000, HALL_TZ))


def _by(
    device_id: str,
    staff_id: str,
    stamp: str,
    devices: dict[str, Device],
    people: dict[str, CentralStaff],
) -> dict[str, str]:
    """Who made a version and when, in the central's own records (not the device's)."""
    device = devices.get(device_id)
    person = people.get(staff_id)
    return {
        "device_id": device_id,
        "device_name": device.name if device else "",
        "window": device.window if device else "",
        "staff_id": staff_id,
        "staff_name": person.name if person else "",
        "at": _when(stamp),
    }


def label(table: str, row: dict[str, Any], row_id: str) -> str:
    """What a supervisor recognises the row by: a case by its number and title."""
    if table == "cases":
        return f"{row.get('number', row_id)} {row.get('title', '')}".strip()
    if table == "case_materials":
        return f"{row.get('case_id', '')} 材料 {row.get('name', row.get('material_id', ''))}"
    return row_id


def conflict_row(
    op: WireOp,
    device: Device,
    held: Held,
    merged: Merged,
    devices: dict[str, Device],
    people: dict[str, CentralStaff],
    now_ms: int,
) -> dict[str, Any]:
    """The list entry for ``op`` meeting the ``held`` row. One per op, named after it,
    so a replayed push lists nothing twice."""
    other_device, _, other_staff = held[4].partition("|")
    if not other_device:
        other_device = version_device(held[2])
    pushed = _by(device.device_id, op.actor, op.hlc, devices, people)
    other = _by(other_device, other_staff, held[2], devices, people)
    kept_by, lost_by = (pushed, other) if merged.pushed_kept else (other, pushed)
    clashes = [{"field": c.field, "kept": c.kept, "lost": c.lost} for c in merged.clashes]
    return {
        "id": f"conflict-{op.op_id}",
        "table_name": op.table_name,
        "row_id": op.row_id,
        "label": label(op.table_name, json.loads(held[1]), op.row_id),
        "clashes": clashes,
        "kept_by": kept_by,
        "lost_by": lost_by,
        "detected_at": iso(datetime.fromtimestamp(now_ms / 1000, HALL_TZ)),
        "state": "open",
        "choice": "",
        "resolved_by_id": "",
        "resolved_by_name": "",
        "resolved_at": "",
    }


def taken(row: dict[str, Any], conflict: dict[str, Any]) -> dict[str, Any]:
    """The row with the listed change put back: a supervisor chose the other version."""
    return {**row, **{c["field"]: c["lost"] for c in conflict.get("clashes", [])}}
