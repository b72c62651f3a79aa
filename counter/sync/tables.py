"""Which tables travel through the central, and how a pulled change lands locally.

One registry for both ends: the central accepts pushes only for tables registered
``pushable`` (counters write them) and refuses the rest; a counter applies pulled
changes only for registered tables. Sharing a new table between windows is one line::

    register("cases")                      # primary key "id", generic row upsert
    register("case_materials", pk=("case_id", "material_id"))

The generic apply writes the op's payload as the row (columns the local table does not
have are dropped, so a newer central does not break an older counter). Tables whose
change is not one row (the catalog, a year of holidays) bring their own ``apply``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.catalog_file import parse_catalog
from counter.model.clock import iso
from counter.store import audit_log, catalog_store, staff_store
from counter.store.audit_log import Actor
from counter.sync.protocol import Change

CENTRAL_ACTOR = Actor("central", "中心", "central")
Apply = Callable[[Database, Change, datetime], None]
Shape = Callable[[Change], dict[str, Any]]


@dataclass(frozen=True)
class PulledTable:
    name: str
    pk: str | tuple[str, ...] = "id"
    pushable: bool = True
    apply: Apply | None = None
    shape: Shape | None = None


REGISTRY: dict[str, PulledTable] = {}


def register(
    name: str,
    pk: str | tuple[str, ...] = "id",
    *,
    pushable: bool = True,
    apply: Apply | None = None,
    shape: Shape | None = None,
) -> PulledTable:
    """``apply`` replaces the row write wholly; ``shape`` only turns a payload into a row."""
    table = PulledTable(name, pk, pushable, apply, shape)
    REGISTRY[name] = table
    return table


def _columns(db: Database, table: str) -> set[str]:
    return set(db[table].columns_dict)


def _upsert(db: Database, table: str, row: dict[str, Any], pk: tuple[str, ...]) -> None:
    """Plain SQL: sqlite-utils' upsert re-reads the schema on every call."""
    names = tuple(row)
    db.execute(_write_sql(table, pk, names, "upsert"), [row[c] for c in names])


Statement = tuple[str, list[Any]]


def row_statement(table: PulledTable, change: Change, columns: tuple[str, ...]) -> Statement:
    """The SQL that writes one pulled change into the local table of the same name.

    Returned rather than run, so the client can send runs of the same statement with
    ``executemany`` (the 500,000-row first pull).
    """
    pk = (table.pk,) if isinstance(table.pk, str) else table.pk
    payload = table.shape(change) if table.shape else change.payload
    if change.kind == "delete":
        if len(pk) == 1:
            return _delete_sql(table.name, pk), [payload.get(pk[0], change.row_id)]
        return _delete_sql(table.name, pk), [payload[c] for c in pk]
    row = {k: _cell(v) for k, v in payload.items() if k in columns}
    if len(pk) == 1 and pk[0] not in row:
        row[pk[0]] = change.row_id
    names = tuple(row)
    return _write_sql(table.name, pk, names, change.kind), [row[c] for c in names]


def write_change(
    db: Database, table: PulledTable, change: Change, columns: tuple[str, ...]
) -> None:
    """Write one change into its local table as a pull does (one row, no batching)."""
    sql, args = row_statement(table, change, columns)
    db.execute(sql, args)


@functools.cache
def _delete_sql(table: str, pk: tuple[str, ...]) -> str:
    return f"DELETE FROM [{table}] WHERE " + " AND ".join(f"[{c}] = ?" for c in pk)


@functools.cache
def _write_sql(table: str, pk: tuple[str, ...], names: tuple[str, ...], kind: str) -> str:
    columns = ", ".join(f"[{c}]" for c in names)
    marks = ", ".join("?" * len(names))
    if kind in ("insert", "event"):
        return f"INSERT OR IGNORE INTO [{table}] ({columns}) VALUES ({marks})"
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in names if c not in pk)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    conflict = ", ".join(f"[{c}]" for c in pk)
    return f"INSERT INTO [{table}] ({columns}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"


def _cell(value: Any) -> Any:
    """JSON lists and objects land in TEXT columns as JSON, as the services store them."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _apply_catalog(db: Database, change: Change, now: datetime) -> None:
    """A catalog version published centrally: items added appear, items dropped retire."""
    catalog = parse_catalog(change.payload["text"])
    catalog_store.save_catalog(db, catalog, source="central", now=now)


def _apply_staff(db: Database, change: Change, now: datetime) -> None:
    """Central accounts replace local ones of the same login (demo accounts included)."""
    row = {k: v for k, v in change.payload.items() if k in _columns(db, "staff")}
    row.setdefault("updated_at", iso(now))
    row.setdefault("password_hash", "")  # none sent to a station: nobody signs in there
    staff_store.remove_demo_accounts(db)
    db.execute("DELETE FROM staff WHERE login = ? AND id <> ?", [row["login"], row["id"]])
    _upsert(db, "staff", row, ("id",))
    detail = {"login": row["login"], "role": row.get("role"), "active": row.get("active")}
    audit_log.append(db, CENTRAL_ACTOR, AuditAction.STAFF, f"staff:{row['id']}", detail, now)


def _keep_central(db: Database, change: Change, now: datetime) -> None:
    """Each counter keeps its own audit chain; the central keeps and verifies every one."""


def _holiday_row(change: Change) -> dict[str, Any]:
    return {
        "day": change.payload.get("day", change.row_id),
        "kind": change.payload.get("kind"),
        "name": change.payload.get("name", ""),
        "source": change.payload.get("source", "central"),
    }


def _apply_holiday_years(db: Database, change: Change, now: datetime) -> None:
    """Whole years replaced, as :func:`counter.store.holidays.import_rows` does locally."""
    source = change.payload.get("source", "central")
    for year in change.payload["years"]:
        db.execute(
            "DELETE FROM holidays WHERE day >= ? AND day <= ?",
            [f"{year:04d}-01-01", f"{year:04d}-12-31"],
        )
        db.table("holiday_years").upsert(
            {"year": year, "source": source, "entered_at": iso(now)}, pk="year"
        )
    db.table("holidays").upsert_all(
        [
            {"day": day, "kind": kind, "name": name, "source": source}
            for day, kind, name in change.payload["rows"]
        ],
        pk="day",
    )


def catalog_payload(text: str) -> dict[str, Any]:
    """What ``publish-catalog`` sends down: the checked file itself, applied whole."""
    catalog = parse_catalog(text)
    return {"version": catalog.version, "text": text, "items": len(catalog.items)}


def _apply_ticket(db: Database, change: Change, now: datetime) -> None:
    """A ticket from another counter or the central: the row (the central's to call,
    never this store's offline queue) and the event that changed it, once."""
    payload = dict(change.payload)
    if isinstance(payload.get("ticket"), dict):  # the first format: the row nested
        nested = payload.pop("ticket")
        payload = {**nested, "event": {"kind": payload.get("event", ""), **payload}}
    event = payload.pop("event", None)
    row = {k: _cell(v) for k, v in payload.items() if k in _columns(db, "tickets")}
    row.update(id=change.row_id, handed_over=1, reconciled=1)
    _upsert(db, "tickets", row, ("id",))
    if isinstance(event, dict):
        db.execute(
            "INSERT OR IGNORE INTO ticket_events (ticket_id, day, at, kind, lane, window,"
            " staff_id, detail, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                change.row_id,
                row.get("day", ""),
                row.get("updated_at", iso(now)),
                event.get("kind", ""),
                row.get("lane", 2),
                event.get("window", ""),
                event.get("staff_id", ""),
                json.dumps(event.get("detail", {}), ensure_ascii=False),
                f"{change.row_id}@{change.hlc}",
            ],
        )


def _hall_setting_row(change: Change) -> dict[str, Any]:
    return {
        "key": change.row_id,
        "value": json.dumps(change.payload["value"], ensure_ascii=False),
        "updated_at": change.payload.get("updated_at", ""),
    }


# Published by the central only.
register("catalog", pk="version", pushable=False, apply=_apply_catalog)
register("staff", pushable=False, apply=_apply_staff)
register("hall_settings", pk="key", pushable=False, shape=_hall_setting_row)
# Edited by a supervisor at any counter, shared with all.
register("holidays", pk="day", shape=_holiday_row)
register("holiday_years", pk="year", apply=_apply_holiday_years)
register("credit_list", pk="id_number")
# Published centrally (publish-categories); a supervisor may reassign windows anywhere.
register("queue_categories", pk="code")
# Written at the windows: a case taken at one window is found and continued at another.
register("applicants")
register("cases")
register("case_events")
register("case_materials", pk=("case_id", "material_id"))
register("unmask_log")
# A ticket op is the ticket's row plus the event that changed it (see _apply_ticket).
register("tickets", apply=_apply_ticket)
register("appointments", pk="code")
# Local ids are integers that collide between counters; these travel by their uid.
register("clerk_states", pk="uid")
# Kept at the central only: a counter has no table of this name and skips it on pull.
register("print_log")
# A kiosk's slip that did not print: its visitor went to the guide desk; every
# supervisor's window shows it (issue 28).
register("missed_tickets")
# Each device's hash-chained audit log (counter.model.audit), verified per device centrally.
register("audit_log", apply=_keep_central)
# 好差评 (append-only), follow-ups (last writer wins) and their notes (append-only).
register("ratings")
register("followups")
register("followup_notes")
# Site visits on a specialist's laptop, and the drafts the hall's intake picks up; the
# gift pack of a 企业开办 case, continued and handed over at any window (issue 7).
register("visits")
register("visit_tasks")
register("prereviews")
register("agent_authorisations")
register("case_drafts")
register("giftpacks", pk="case_id")
register("giftpack_lines")
register("giftpack_handovers")
# The hall's 同步冲突 list: written by the central, settled by a supervisor at any window.
register("sync_conflicts")
