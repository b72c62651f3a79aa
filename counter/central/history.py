"""The central's check of a history import: the casework a counter did before the hall
had a central, sent once as "import" ops when its enrol code allowed it (issue 32,
counter.sync.history_tables).

An import is not a change made by someone signed in: the staff it names are the
counter's own, whom the central never knew, so the staff rules of
:mod:`counter.central.authority` cannot judge it. Its authority is the enrol code
instead: the supervisor made it with ``enrol-code --history`` for one new window
counter or laptop, and the central recorded that on the device (``devices.importing``).
What the code cannot vouch for is checked here, from the central's own records, as
every op is (docs/security.md):

* the device may import at all: its code said so, and it has sent nothing but imports
  since (the first op of another kind closes the import for good, Engine.push), so a
  counter cannot slip old-looking rows in later, or after a re-key;
* the table is one of the counter's own work (HISTORY_KINDS), and one its kind of
  device may push (RULES): never a hall-wide table, never ratings;
* the row is new to the central: an import adds what the hall lacks and never
  overwrites a row, not even one the same batch wrote (an applicant the hall already
  has is taken as the hall's: HALL_KEEPS);
* the row is the device's own: a case at its own window, a material or event of a
  case it brought, its own audit chain, its own window's tickets and records.

Each refusal is kept in the ``ops`` table with its reason, like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from counter.central.authority import RULES, Held, Refusal
from counter.model.cases import CaseState
from counter.model.devices import DeviceKind
from counter.sync.history_tables import HISTORY_KINDS
from counter.sync.protocol import ErrorCode, WireOp
from counter.sync.row_shapes import label

if TYPE_CHECKING:
    from counter.central.engine import Device

#: The device kinds an enrol code may let import: those that take in cases. A kiosk,
#: a call board or a rating pad has no casework of its own to bring.
HISTORY_DEVICE_KINDS: frozenset[DeviceKind] = RULES["cases"].kinds

#: The rows as the central holds them, this batch's writes included: (table, row id) →
#: (kind, payload, version, owner, writer).
Rows = Mapping[tuple[str, str], Held]

CLOSED = "本机登记时未获准导入单机历史，或导入已经结束"

#: Tables whose row ids the hall shares by construction: an applicant's id is made from
#: the ID number or USCC (counter.model.intake), so the one a counter brings is often
#: one the hall has had all along. Its import is taken without touching the hall's row,
#: which goes down to the counter again (Engine.push), so both hold the hall's record:
#: refusing it would only fill the supervisor's list with rows nobody needs to act on.
HALL_KEEPS = frozenset({"applicants"})


def as_stored(op: WireOp) -> WireOp:
    """The op as the central checks its shape and stores it: an import as the kind its
    table's own ops have; anything else (an import of a table that has no history is
    refused by :func:`history_refusal`) as sent."""
    kind = HISTORY_KINDS.get(op.table_name) if op.kind == "import" else None
    return op if kind is None else op.model_copy(update={"kind": kind})


def history_refusal(device: Device, op: WireOp, held: Held | None, rows: Rows) -> Refusal | None:
    """Why the central will not store the import ``op`` from ``device``, or None.

    ``device`` is the central's record of it, with whether its import is still open at
    this op; ``held`` the row as the central (or this batch) holds it; ``rows`` every
    row the batch read or wrote, for the owner of the case a row belongs to.
    """
    if not device.importing:
        return _refuse(CLOSED)
    what = label(op.table_name)
    if op.table_name not in HISTORY_KINDS:
        return _refuse(f"“{what}”不属于单机期间的办件历史，不能导入（全厅数据以中心为准）")
    rule = RULES.get(op.table_name)
    if rule is None or device.kind not in rule.kinds:
        return _refuse(f"{device.kind.label}不能导入“{what}”")
    if op.actor or op.proof or op.base is not None:
        return _refuse("导入的记录不能带登录人员、签名或修改前的值：它只凭登记码导入")
    if held is not None and op.table_name not in HALL_KEEPS:
        return _refuse(f"中心已有这条{what}（{op.row_id}），导入不能覆盖已有的记录")
    check = _CHECKS.get(op.table_name)
    why = check(device, op, rows) if check is not None else None
    if why is not None:
        return ErrorCode.ILLEGAL_CHANGE, ErrorCode.ILLEGAL_CHANGE.reason(why)
    return None


def _refuse(detail: str) -> Refusal:
    return ErrorCode.NOT_PERMITTED, ErrorCode.NOT_PERMITTED.reason(detail)


def _owned_case(device: Device, case_id: str, rows: Rows) -> str | None:
    """A row that hangs on a case (a sub-case, a material, an event) hangs on one this
    device brought: a counter cannot add to another window's case by calling it its
    history. A case the hall does not hold at all is the orphan rule's (Engine._orphan)."""
    case = rows.get(("cases", case_id))
    if case is not None and case[3] != device.device_id:
        return f"办件“{case_id}”不是本机的办件，不能以导入的方式向其添加记录"
    return None


def _own_window(device: Device, payload: dict[str, Any]) -> str | None:
    window = str(payload.get("window", "") or "")
    if device.window and window and window != device.window:
        return f"本机登记为 {device.window} 号窗口，不能导入 {window} 号窗口的记录"
    return None


def _check_case(device: Device, op: WireOp, rows: Rows) -> str | None:
    payload = op.payload
    try:
        CaseState(payload.get("state", ""))
    except ValueError:
        return f"办件状态“{payload.get('state')}”不存在"
    window = str(payload.get("window", "") or "")
    if device.window and window != device.window:
        named = window or "（空）"
        return f"本机登记为 {device.window} 号窗口，不能导入以 {named} 号窗口名义受理的办件"
    parent = payload.get("parent_id")
    if parent is not None and str(parent) != op.row_id:
        return _owned_case(device, str(parent), rows)
    return None


def _check_case_row(device: Device, op: WireOp, rows: Rows) -> str | None:
    return _owned_case(device, str(op.payload.get("case_id", "")), rows)


def _check_window_row(device: Device, op: WireOp, rows: Rows) -> str | None:
    return _own_window(device, op.payload)


def _check_audit(device: Device, op: WireOp, rows: Rows) -> str | None:
    """The device's own chain only, named by its token, not by the entry: the central
    verifies chains per sending device (counter.central.audit), and an entry in another
    device's name would forge that device's record."""
    if op.payload.get("device_id") != device.device_id:
        return "审计记录属于另一台设备：每台设备只能导入自己的审计链"
    return None


#: Each history table's own rule, beyond those every import passes.
_CHECKS: dict[str, Callable[[Device, WireOp, Rows], str | None]] = {
    "cases": _check_case,
    "case_materials": _check_case_row,
    "case_events": _check_case_row,
    "unmask_log": _check_window_row,
    "tickets": _check_window_row,
    "clerk_states": _check_window_row,
    "print_log": _check_window_row,
    "audit_log": _check_audit,
}
