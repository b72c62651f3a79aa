"""Cases, their events, checklists and applicants in the local store.

Every write here also appends its outbox op; callers hold the transaction (a service
call), so a case and its ops commit together or not at all. Search uses the indexes
for exact identifiers, the FTS5 trigram index for 3+ characters, LIKE below that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.cases import Action, Case, CaseEvent, CaseState
from counter.model.catalog import MaterialForm
from counter.model.clock import iso, parse_iso
from counter.model.figures import CaseMaterialCounts, MaterialTotals
from counter.model.intake import Applicant, ApplicantKind, CaseMaterial, MaterialStatus
from counter.store import case_packs, outbox

_DATETIMES = {
    "created_at",
    "received_at",
    "updated_at",
    "notice_at",
    "accepted_at",
    "promised_due",
    "legal_due",
    "paused_at",
}
_DATES = {"promise_lapsed_on"}
_BOOLS = {"rongque", "deemed_accepted", "due_provisional"}
_CASE_FIELDS = tuple(f.name for f in fields(Case))
_CASE_COLUMNS = ", ".join(_CASE_FIELDS)


def _case_row(case: Case) -> dict[str, Any]:
    row = asdict(case)
    row["state"] = case.state.value
    for key in _DATETIMES:
        row[key] = iso(row[key]) if row[key] is not None else None
    for key in _DATES:
        row[key] = row[key].isoformat() if row[key] is not None else None
    for key in _BOOLS:
        row[key] = int(row[key])
    return row


def _case(values: Sequence[Any]) -> Case:
    row = dict(zip(_CASE_FIELDS, values, strict=True))
    row["state"] = CaseState(row["state"])
    for key in _DATETIMES:
        row[key] = parse_iso(row[key]) if row[key] is not None else None
    for key in _DATES:
        row[key] = date.fromisoformat(row[key]) if row[key] is not None else None
    for key in _BOOLS:
        row[key] = bool(row[key])
    return Case(**row)


# --- Sequences ----------------------------------------------------------------------


def next_sequence(db: Database, scope: str) -> int:
    """The next running number in ``scope``; the caller holds a BEGIN IMMEDIATE lock."""
    if not db.conn.in_transaction:
        raise RuntimeError("next_sequence() must run inside the intake's write transaction")
    row = db.execute("SELECT next FROM case_sequences WHERE scope = ?", [scope]).fetchone()
    value = int(row[0]) if row else 1
    db.execute(
        "INSERT INTO case_sequences (scope, next) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET next = excluded.next",
        [scope, value + 1],
    )
    return value


# --- Applicants ---------------------------------------------------------------------


def save_applicant(db: Database, applicant: Applicant, now: datetime) -> None:
    row = {
        "id": applicant.key,
        "kind": applicant.kind.value,
        "id_number": applicant.id_number,
        "name": applicant.name,
        "legal_rep": applicant.legal_rep,
        "contact": applicant.contact,
        "phone": applicant.phone,
        "updated_at": iso(now),
    }
    outbox.write_row(db, "applicants", row, "id", now)


def find_applicant(db: Database, kind: ApplicantKind, id_number: str) -> Applicant | None:
    row = db.execute(
        "SELECT kind, id_number, name, phone, legal_rep, contact FROM applicants"
        " WHERE kind = ? AND id_number = ?",
        [kind.value, id_number],
    ).fetchone()
    if row is None:
        return None
    return Applicant(ApplicantKind(row[0]), row[1], row[2], row[3], row[4], row[5])


# --- Cases and events ---------------------------------------------------------------


def insert_case(db: Database, case: Case, now: datetime) -> None:
    row = _case_row(case)
    db.table("cases").insert(row)
    outbox.record(
        db, table="cases", row_id=case.id, kind="upsert", payload=row, now=now, before=None
    )


def update_case(db: Database, case: Case, now: datetime) -> None:
    row = _case_row(case)
    before = outbox.prior(db, "cases", {"id": case.id})
    db.table("cases").update(case.id, row)
    outbox.record(
        db, table="cases", row_id=case.id, kind="upsert", payload=row, now=now, before=before
    )


def add_event(db: Database, event: CaseEvent, now: datetime) -> None:
    row = {
        "id": event.id,
        "case_id": event.case_id,
        "action": event.action.value,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "at": iso(event.at),
        "staff_id": event.staff_id,
        "staff_name": event.staff_name,
        "window": event.window,
        "reason": event.reason,
        "data": event.data,
    }
    case_packs.unpack(db, [event.case_id])  # a case is packed whole or not at all
    db.table("case_events").insert(row)
    outbox.record(db, table="case_events", row_id=event.id, kind="event", payload=row, now=now)


def overrides_of_person(db: Database, id_number: str) -> list[tuple[datetime, str]]:
    """(time, data) of every case event that carries a supervisor's override, on the
    cases of this person (a 个人 applicant or an agent), pulled from other windows too:
    where a confirmation of the person's ID is remembered (model.intake.Verification).
    A packed case's events are read from its pack."""
    persons = (
        "SELECT id FROM cases WHERE applicant_id_number = ? AND applicant_kind = ?"
        " UNION SELECT id FROM cases WHERE agent_id_number = ?"
    )
    args = [id_number, ApplicantKind.PERSON.value, id_number]
    rows = db.execute(
        f"SELECT at, data FROM case_events WHERE case_id IN ({persons})"
        " AND data LIKE '%\"override_by\"%'",
        args,
    ).fetchall()
    packed = db.execute(
        f"SELECT case_id FROM case_packs WHERE case_id IN ({persons})", args
    ).fetchall()
    for (case_id,) in packed:
        rows += [
            (e["at"], e["data"])
            for e in case_packs.rows(db, "case_events", case_id)
            if '"override_by"' in (e["data"] or "")
        ]
    return [(parse_iso(at), str(data)) for at, data in sorted(rows, key=lambda r: r[0])]


def number_for_request(db: Database, request_id: str) -> str | None:
    """The number of the case the intake form ``request_id`` made, if it made one."""
    row = db.execute(
        "SELECT number FROM cases WHERE request_id = ? AND parent_id IS NULL LIMIT 1",
        [request_id],
    ).fetchone()
    return str(row[0]) if row else None


def get_case(db: Database, case_id: str) -> Case | None:
    row = db.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", [case_id]).fetchone()
    return _case(row) if row else None


def get_by_number(db: Database, number: str) -> Case | None:
    row = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE number = ?", [number.strip().upper()]
    ).fetchone()
    return _case(row) if row else None


def children(db: Database, parent_id: str) -> list[Case]:
    rows = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE parent_id = ? ORDER BY position", [parent_id]
    ).fetchall()
    return [_case(r) for r in rows]


_EVENT_COLUMNS = ("id", "case_id", "action", "from_state", "to_state", "at", "staff_id",
                  "staff_name", "window", "reason", "data")  # fmt: skip


def events(db: Database, case_id: str) -> list[CaseEvent]:
    """A case's events in time order (those of one moment as they were written),
    from its pack once it is packed."""
    packed = [tuple(e.get(c) for c in _EVENT_COLUMNS)
              for e in case_packs.rows(db, "case_events", case_id)]  # fmt: skip
    live = db.execute(
        f"SELECT {', '.join(_EVENT_COLUMNS)} FROM case_events WHERE case_id = ? ORDER BY rowid",
        [case_id],
    ).fetchall()
    rows = sorted([*packed, *live], key=lambda r: r[5])  # stable: written order within `at`
    return [
        CaseEvent(
            id=r[0],
            case_id=r[1],
            action=Action(r[2]),
            from_state=CaseState(r[3]) if r[3] else None,
            to_state=CaseState(r[4]),
            at=parse_iso(r[5]),
            staff_id=r[6],
            staff_name=r[7],
            window=r[8],
            reason=r[9],
            data=r[10],
        )
        for r in rows
    ]


# --- Checklist states ---------------------------------------------------------------


def save_materials(
    db: Database, case_id: str, materials: Sequence[CaseMaterial], now: datetime
) -> None:
    case_packs.unpack(db, [case_id])  # a case is packed whole or not at all
    for m in materials:
        row = {
            "case_id": case_id,
            "material_id": m.material_id,
            "position": m.position,
            "name": m.name,
            "form": m.form.value,
            "copies_required": m.copies_required,
            "required": int(m.required),
            "rongque": int(m.rongque),
            "shared_source": m.shared_source,
            "asked_by": json.dumps(list(m.asked_by)),
            "status": m.status.value,
            "copies": m.copies,
            "promised_due": m.promised_due.isoformat() if m.promised_due else None,
            "updated_at": iso(now),
        }
        before = outbox.prior(
            db, "case_materials", {"case_id": case_id, "material_id": m.material_id}
        )
        db.table("case_materials").upsert(row, pk=("case_id", "material_id"))
        outbox.record(
            db,
            table="case_materials",
            row_id=f"{case_id}/{m.material_id}",
            kind="upsert",
            payload=row,
            now=now,
            before=before,
        )


_MATERIAL_COLUMNS = (
    "material_id",
    "position",
    "name",
    "form",
    "copies_required",
    "required",
    "rongque",
    "shared_source",
    "asked_by",
    "status",
    "copies",
    "promised_due",
)


def materials(db: Database, case_id: str) -> list[CaseMaterial]:
    """A case's checklist in its order, from its pack once it is packed."""
    packed = [tuple(m.get(c) for c in _MATERIAL_COLUMNS)
              for m in case_packs.rows(db, "case_materials", case_id)]  # fmt: skip
    live = db.execute(
        f"SELECT {', '.join(_MATERIAL_COLUMNS)} FROM case_materials"
        " WHERE case_id = ? ORDER BY position",
        [case_id],
    ).fetchall()
    rows = sorted([*packed, *live], key=lambda r: r[1])
    return [
        CaseMaterial(
            material_id=r[0],
            position=r[1],
            name=r[2],
            form=MaterialForm(r[3]),
            copies_required=r[4],
            required=bool(r[5]),
            rongque=bool(r[6]),
            shared_source=r[7],
            asked_by=tuple(json.loads(r[8])),
            status=MaterialStatus(r[9]),
            copies=r[10],
            promised_due=date.fromisoformat(r[11]) if r[11] else None,
        )
        for r in rows
    ]


# --- Search -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    state: CaseState | None = None
    department: str | None = None
    clerk_id: str | None = None
    open_only: bool = False


_TOP_LEVEL = "parent_id IS NULL"
#: One-character queries scan at most this many of the newest cases for a substring
#: match (two characters and more are indexed over the whole store).
RECENT_FOR_LIKE = 20_000
_OPEN_STATES = tuple(s.value for s in CaseState if not s.closed)


def _filters(flt: CaseFilter, alias: str = "") -> tuple[list[str], list[Any]]:
    """The filter's conditions on the cases table, or on its ``alias`` in a join."""
    col = f"{alias}." if alias else ""
    where: list[str] = []
    params: list[Any] = []
    if flt.state is not None:
        where.append(f"{col}state = ?")
        params.append(flt.state.value)
    if flt.department:
        # A bundle parent matches when any of its sub-cases is in the department.
        where.append(
            f"({col}department = ? OR EXISTS (SELECT 1 FROM cases AS sub"
            f" WHERE sub.parent_id = {alias or 'cases'}.id AND sub.department = ?))"
        )
        params += [flt.department, flt.department]
    if flt.clerk_id:
        where.append(f"{col}clerk_id = ?")
        params.append(flt.clerk_id)
    if flt.open_only:
        where.append(f"{col}state IN ({', '.join('?' * len(_OPEN_STATES))})")
        params += _OPEN_STATES
    return where, params


def newest(db: Database, flt: CaseFilter = CaseFilter(), limit: int = 200) -> list[Case]:
    """The newest top-level cases the filter lets through: what the 办件 page lists
    before anything is typed, on every opening.

    Each plan walks an index newest first and stops at ``limit``, whatever the store's
    size: ``cases_created`` unfiltered (``+parent_id`` keeps the planner off
    ``cases_parent``, which made it sort every case: 1.7 s at 600k), ``cases_clerk``,
    ``cases_state_created``; a department reads ``cases_department_created`` twice, for
    cases of the department and for sub-cases whose bundle is listed in their stead.
    tests/store/test_list_plans.py pins the plans.
    """
    if flt.department:
        return _newest_in_department(db, flt, limit)
    where, params = _filters(flt)
    rows = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE {' AND '.join(['+parent_id IS NULL', *where])}"
        " ORDER BY created_at DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_case(r) for r in rows]


def _newest_in_department(db: Database, flt: CaseFilter, limit: int) -> list[Case]:
    """Top-level cases of the department, and bundles with a sub-case in it: the newest
    of each through the department's index, merged. A sub-case is made with its bundle
    (the same ``created_at``), so the sub-cases' order is their bundles' order."""
    rest = replace(flt, department=None)
    where, params = _filters(rest)
    own = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE department = ?"
        f" AND {' AND '.join(['+parent_id IS NULL', *where])}"
        " ORDER BY created_at DESC LIMIT ?",
        [flt.department, *params, limit],
    ).fetchall()
    where, params = _filters(rest, "parent")
    columns = ", ".join(f"parent.{c}" for c in _CASE_FIELDS)
    bundles = db.execute(
        f"SELECT DISTINCT {columns} FROM cases AS sub JOIN cases AS parent"
        " ON parent.id = sub.parent_id WHERE sub.department = ? AND +sub.parent_id IS NOT NULL"
        f" {''.join(f' AND {w}' for w in where)} ORDER BY sub.created_at DESC LIMIT ?",
        [flt.department, *params, limit],
    ).fetchall()
    found = {r[0]: _case(r) for r in [*own, *bundles]}
    return sorted(found.values(), key=lambda c: c.created_at, reverse=True)[:limit]


def search(
    db: Database, query: str, flt: CaseFilter = CaseFilter(), limit: int = 200
) -> list[Case]:
    """Top-level cases matching ``query`` (newest first), sub-cases folded into parents.

    Exact case number, identifier or phone go through their indexes; otherwise 3+
    characters use the trigram index (number, names, identifiers, phone), 2 the
    two-character pieces of the names (``case_bigrams``), both over the whole store.
    One character matches names starting with it anywhere, or containing it among the
    newest :data:`RECENT_FOR_LIKE` cases (LIKE), so the scan stays bounded.
    """
    text = query.strip()
    if not text:
        return newest(db, flt, limit)
    where, params = _filters(flt)

    upper = text.upper()
    # (id, parent_id) only until the fold: a two-character piece can match a thousand
    # cases, and reading each as a Case cost 40 ms at 600k.
    found: list[tuple[str, str | None]] = db.execute(
        "SELECT id, parent_id FROM cases WHERE number = ? OR applicant_id_number = ?"
        " OR applicant_phone = ? ORDER BY created_at DESC LIMIT ?",
        [upper, upper, text, limit],
    ).fetchall()
    if not found:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_a_name = "(applicant_name LIKE ? ESCAPE '\\' OR agent_name LIKE ? ESCAPE '\\')"
        if len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            match = (
                "rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?"
                " ORDER BY rowid DESC LIMIT ?)"
            )
            match_params: list[Any] = [phrase, limit * 5]
        elif len(text) == 2:
            # The newest cases holding the piece, walked down its index; LIKE again, as
            # a row replaced without its delete trigger could leave a stale piece.
            match = (
                "rowid IN (SELECT case_rowid FROM case_bigrams WHERE gram = lower(?)"
                f" ORDER BY case_rowid DESC LIMIT ?) AND {in_a_name}"
            )
            match_params = [text, limit * 5, like, like]
        else:
            # One character: a name that starts with it (indexed, whole store), or
            # contains it among the most recent cases (a bounded scan).
            match = (
                "rowid IN (SELECT rowid FROM cases WHERE applicant_name >= ? AND applicant_name < ?"
                " UNION SELECT rowid FROM cases WHERE rowid > ("
                f"SELECT coalesce(max(rowid), 0) FROM cases) - ? AND {in_a_name})"
            )
            match_params = [text, text + "\U0010ffff", RECENT_FOR_LIKE, like, like]
        found = db.execute(
            # "+created_at": sort the matches rather than walk the whole date index.
            f"SELECT id, parent_id FROM cases WHERE {match} ORDER BY +created_at DESC LIMIT ?",
            [*match_params, limit * 5],
        ).fetchall()
    return _fold(db, found, where, params, limit)


def _fold(
    db: Database,
    found: list[tuple[str, str | None]],
    where: list[str],
    params: list[Any],
    limit: int,
) -> list[Case]:
    """Replace sub-cases by their parents, keep order, apply the filters; only the
    ``limit`` kept are read as cases."""
    ids = list(dict.fromkeys(parent or case_id for case_id, parent in found))[: limit * 5]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    conditions = " AND ".join([f"id IN ({marks})", *where])
    rows = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE {conditions}", [*ids, *params]
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    return [_case(r) for r in [by_id[i] for i in ids if i in by_id][:limit]]


def open_cases(db: Database) -> list[Case]:
    """Every case whose deadline still runs (for recomputing after a holiday import)."""
    rows = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE state IN (?, ?, ?) AND accepted_at IS NOT NULL",
        [CaseState.ACCEPTED.value, CaseState.PROCESSING.value, CaseState.PAUSED.value],
    ).fetchall()
    return [_case(r) for r in rows]


def frequent_targets(db: Database, clerk_id: str, limit: int = 8) -> list[str]:
    """Item or bundle codes this clerk took in most, most recent breaking ties."""
    rows = db.execute(
        "SELECT COALESCE(bundle_code, item_code) AS code, count(*) AS n, max(created_at) AS last"
        " FROM cases WHERE clerk_id = ? AND parent_id IS NULL"
        " GROUP BY code ORDER BY n DESC, last DESC LIMIT ?",
        [clerk_id, limit],
    ).fetchall()
    return [r[0] for r in rows if r[0]]


def departments_in_use(db: Database) -> list[str]:
    """The departments cases were taken in for: one index step per department (a
    loose scan of ``cases_department_created``), not a read of every case."""
    return [
        r[0]
        for r in db.execute(
            "WITH RECURSIVE used (department) AS ("
            " SELECT (SELECT min(department) FROM cases WHERE department > '')"
            " UNION ALL SELECT (SELECT min(department) FROM cases"
            " WHERE department > used.department) FROM used WHERE used.department IS NOT NULL)"
            " SELECT department FROM used WHERE department IS NOT NULL"
        ).fetchall()
    ]


def clerks_in_use(db: Database) -> list[tuple[str, str]]:
    """(id, name) of everyone who took in a case, by name, each under the name on
    their newest case: one step of ``cases_clerk`` per clerk (a loose scan), where
    ``SELECT DISTINCT`` read every case (156 ms at 600k) on each opening of 办件."""
    return [
        (r[0], r[1])
        for r in db.execute(
            "WITH RECURSIVE used (clerk_id) AS ("
            " SELECT (SELECT min(clerk_id) FROM cases)"
            " UNION ALL SELECT (SELECT min(clerk_id) FROM cases WHERE clerk_id > used.clerk_id)"
            " FROM used WHERE used.clerk_id IS NOT NULL)"
            " SELECT clerk_id, (SELECT clerk_name FROM cases WHERE cases.clerk_id = used.clerk_id"
            " ORDER BY created_at DESC LIMIT 1) AS name"
            " FROM used WHERE clerk_id IS NOT NULL ORDER BY name, clerk_id"
        ).fetchall()
    ]


def material_counts(db: Database) -> list[CaseMaterialCounts]:
    """Per intake that reached the checklist: asked, naive and exempted counts."""
    rows = db.execute(
        "SELECT asked_count, naive_count, exempt_count FROM cases"
        " WHERE parent_id IS NULL AND naive_count > 0"
    ).fetchall()
    return [CaseMaterialCounts(r[0], r[1], r[2]) for r in rows]


def material_totals(db: Database) -> MaterialTotals:
    """The sums :func:`material_counts` would add up, kept by triggers (migration
    0020): the 办件 page shows them on every opening, a scan took 190 ms at 600k."""
    row = db.execute(
        "SELECT cases, asked, naive, exempt FROM case_material_totals WHERE id = 1"
    ).fetchone()
    return MaterialTotals(*row) if row else MaterialTotals(0, 0, 0, 0)


# --- Unmasked views -----------------------------------------------------------------


def log_unmask(db: Database, row: dict[str, Any], now: datetime) -> None:
    """Record who saw which record's identifiers in full; synced like any other write."""
    db.table("unmask_log").insert(row)
    outbox.record(db, table="unmask_log", row_id=row["id"], kind="insert", payload=row, now=now)


def unmask_entries(db: Database, row_id: str) -> list[dict[str, Any]]:
    return list(db["unmask_log"].rows_where("row_id = ?", [row_id], order_by="at"))
