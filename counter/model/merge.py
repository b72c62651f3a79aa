"""How two devices' concurrent changes to one row meet on the central.

A counter edits offline and pushes later, so two windows can change the same row
without either having seen the other's change. Every upsert a counter makes of a row
it already held carries its *base*: the value each field it changed had before
(:func:`changed_fields`). The central compares that with the row it holds:

- a field the device changed and nobody else did takes the device's value;
- a field another device changed and this one did not keeps the other's value;
- a field both changed, to different values, is a *clash*: the newer version (hybrid
  clock, then device) is kept and the other value is listed as a conflict for a
  supervisor, never dropped without a trace.

A case is more than its fields: its state follows the state machine
(:mod:`counter.model.cases`), so two different state changes from the same state (办结
at one window, 终止 at another) are not merged field by field. The first decision to
reach the central stands, whole, and the other is listed with everything it changed.

Nothing here reads the clock or touches a store: the central passes rows in and gets
the row to keep, and the clashes to list, back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Policy(StrEnum):
    """How concurrent changes to a table's rows merge (per table: central.authority)."""

    #: Field by field; a field changed by both is a clash, the newer value kept.
    FIELDS = "fields"
    #: Field by field, but two different changes of ``state`` are one clash of the whole
    #: change: the decision that reached the central first stands.
    CASE = "case"


class Outcome(StrEnum):
    #: Nobody else had changed the row: the device's row is kept as it sent it.
    APPLIED = "applied"
    #: Others had changed other fields: the device's changes went in beside theirs.
    MERGED = "merged"
    #: A field was changed by both: one value kept, the other listed.
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Clash:
    field: str
    #: The value the row keeps, and the one listed for a supervisor.
    kept: Any
    lost: Any


@dataclass(frozen=True)
class Merged:
    #: The row as the central keeps it.
    row: dict[str, Any]
    outcome: Outcome
    clashes: tuple[Clash, ...] = ()
    #: In a conflict: whether the pushed change's values were the ones kept.
    pushed_kept: bool = False


STATE = "state"
#: Kept by the store on every write, not chosen by anyone: when both changed it, the
#: later time is the row's, and no supervisor needs to hear of it.
TOUCHED = "updated_at"


def comparable(value: Any) -> Any:
    """One form for a value however it travelled: a list a service kept as JSON text in
    SQLite and the same list in another device's payload are the same value; so are
    ``True`` and ``1``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def same(a: Any, b: Any) -> bool:
    return bool(comparable(a) == comparable(b))


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The base of a change: each field of ``after`` that differs from ``before``, with
    the value it had before (None for a field the row did not have)."""
    return {k: before.get(k) for k, v in after.items() if not same(before.get(k), v)}


def merge(
    policy: Policy,
    held: dict[str, Any],
    pushed: dict[str, Any],
    base: dict[str, Any],
    pushed_newer: bool,
) -> Merged:
    """Meet a pushed row with the row the central holds.

    ``base`` is what the pushed change changed, each field with the value the device
    saw before it; a device that made the row without holding it (two windows made the
    same row offline) sends every field as None before. ``pushed_newer`` is the
    last-writer-wins order of the two versions, used only for a clash.
    """
    clean: dict[str, Any] = {}
    clashing: list[str] = []
    for name, before in base.items():
        if name not in pushed or same(held.get(name), pushed[name]):
            continue
        if name not in held or same(held.get(name), before):
            clean[name] = pushed[name]
        elif name == TOUCHED:
            clean[name] = max(str(held.get(name) or ""), str(pushed[name] or ""))
        else:
            clashing.append(name)
    if not clashing:
        row = {**held, **clean}
        applied = all(same(row.get(k), v) for k, v in pushed.items()) and set(row) <= set(pushed)
        return Merged(row, Outcome.APPLIED if applied else Outcome.MERGED)
    if policy is Policy.CASE and STATE in clashing:
        # The whole decision waits for a supervisor: a case stays in the state the
        # first decision left it in, with none of the other decision's fields.
        moved = [
            k for k in base if k in pushed and k != TOUCHED and not same(held.get(k), pushed[k])
        ]
        clashes = tuple(Clash(k, held.get(k), pushed[k]) for k in moved)
        return Merged(dict(held), Outcome.CONFLICT, clashes, pushed_kept=False)
    if pushed_newer:
        row = {**held, **clean, **{k: pushed[k] for k in clashing}}
        clashes = tuple(Clash(k, pushed[k], held.get(k)) for k in clashing)
    else:
        row = {**held, **clean}
        clashes = tuple(Clash(k, held.get(k), pushed[k]) for k in clashing)
    return Merged(row, Outcome.CONFLICT, clashes, pushed_kept=pushed_newer)
