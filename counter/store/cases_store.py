"""Cases, their events, checklists and applicants in the local store.

Every write here also appends its outbox op; callers hold the transaction (a service
call), so a case and its ops commit together or not at all. Search uses the indexes
for exact identifiers, the FTS5 trigram index for 3+ characters, LIKE below that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.cases import Action, Case, CaseEvent, CaseState
from counter.model.catalog import MaterialForm
from counter.model.clock import iso, parse_iso
from counter.model.figures import CaseMaterialCounts
from counter.model.intake import Applicant, ApplicantKind, CaseMaterial, MaterialStatus
from counter.store import outbox

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
    before = outbox.prior(db, "applicants", {"id": applicant.key})
    db.table("applicants").upsert(row, pk="id")
    outbox.record(
        db,
        table="applicants",
        row_id=applicant.key,
        kind="upsert",
        payload=row,
        now=now,
        before=before,
    )


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
    db.table("case_events").insert(row)
    outbox.record(db, table="case_events", row_id=event.id, kind="event", payload=row, now=now)


def overrides_of_person(db: Database, id_number: str) -> list[tuple[datetime, str]]:
    """(time, data) of every case event that carries a supervisor's override, on the
    cases of this person (a 个人 applicant or an agent), pulled from other windows too:
    where a confirmation of the person's ID is remembered (model.intake.Verification)."""
    rows = db.execute(
        "SELECT at, data FROM case_events WHERE case_id IN (SELECT id FROM cases"
        " WHERE applicant_id_number = ? AND applicant_kind = ?"
        " UNION SELECT id FROM cases WHERE agent_id_number = ?)"
        " AND data LIKE '%\"override_by\"%' ORDER BY at",
        [id_number, ApplicantKind.PERSON.value, id_number],
    ).fetchall()
    return [(parse_iso(r[0]), str(r[1])) for r in rows]


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


def events(db: Database, case_id: str) -> list[CaseEvent]:
    rows = db.execute(
        "SELECT id, case_id, action, from_state, to_state, at, staff_id, staff_name, window,"
        " reason, data FROM case_events WHERE case_id = ? ORDER BY at, rowid",
        [case_id],
    ).fetchall()
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


def materials(db: Database, case_id: str) -> list[CaseMaterial]:
    rows = db.execute(
        "SELECT material_id, position, name, form, copies_required, required, rongque,"
        " shared_source, asked_by, status, copies, promised_due FROM case_materials"
        " WHERE case_id = ? ORDER BY position",
        [case_id],
    ).fetchall()
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
#: Short queries scan at most this many of the newest cases for a substring match.
RECENT_FOR_LIKE = 20_000


def _filters(flt: CaseFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if flt.state is not None:
        where.append("state = ?")
        params.append(flt.state.value)
    if flt.department:
        # A bundle parent matches when any of its sub-cases is in the department.
        where.append("(department = ? OR id IN (SELECT parent_id FROM cases WHERE department = ?))")
        params += [flt.department, flt.department]
    if flt.clerk_id:
        where.append("clerk_id = ?")
        params.append(flt.clerk_id)
    if flt.open_only:
        closed = [s.value for s in CaseState if s.closed]
        where.append(f"state NOT IN ({', '.join('?' * len(closed))})")
        params += closed
    return where, params


def search(
    db: Database, query: str, flt: CaseFilter = CaseFilter(), limit: int = 200
) -> list[Case]:
    """Top-level cases matching ``query`` (newest first), sub-cases folded into parents.

    Exact case number, identifier or phone go through their indexes; otherwise 3+
    characters use the trigram index (number, names, identifiers, phone); shorter
    queries match names starting with them anywhere, or containing them among the
    newest :data:`RECENT_FOR_LIKE` cases (LIKE), so the scan stays bounded.
    """
    text = query.strip()
    where, params = _filters(flt)
    if not text:
        sql = f"SELECT {_CASE_COLUMNS} FROM cases WHERE {' AND '.join([_TOP_LEVEL, *where])}"
        rows = db.execute(f"{sql} ORDER BY created_at DESC LIMIT ?", [*params, limit]).fetchall()
        return [_case(r) for r in rows]

    upper = text.upper()
    exact = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE number = ? OR applicant_id_number = ?"
        " OR applicant_phone = ? ORDER BY created_at DESC LIMIT ?",
        [upper, upper, text, limit],
    ).fetchall()
    found = [_case(r) for r in exact]
    if not found:
        if len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            match = (
                "rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?"
                " ORDER BY rowid DESC LIMIT ?)"
            )
            match_params: list[Any] = [phrase, limit * 5]
        else:
            # One or two characters: a name that starts with them (indexed, whole store),
            # or contains them among the most recent cases (a bounded scan).
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            match = (
                "rowid IN (SELECT rowid FROM cases WHERE applicant_name >= ? AND applicant_name < ?"
                " UNION SELECT rowid FROM cases WHERE rowid > ("
                "SELECT coalesce(max(rowid), 0) FROM cases) - ? AND"
                " (applicant_name LIKE ? ESCAPE '\\' OR agent_name LIKE ? ESCAPE '\\'))"
            )
            match_params = [text, text + "\U0010ffff", RECENT_FOR_LIKE, like, like]
        rows = db.execute(
            # "+created_at": sort the matches rather than walk the whole date index.
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE {match} ORDER BY +created_at DESC LIMIT ?",
            [*match_params, limit * 5],
        ).fetchall()
        found = [_case(r) for r in rows]
    return _fold(db, found, where, params, limit)


def _fold(
    db: Database, found: list[Case], where: list[str], params: list[Any], limit: int
) -> list[Case]:
    """Replace sub-cases by their parents, keep order, apply the filters."""
    ids: list[str] = []
    for case in found:
        top = case.parent_id or case.id
        if top not in ids:
            ids.append(top)
    if not ids:
        return []
    ids = ids[: limit * 5]
    marks = ", ".join("?" * len(ids))
    conditions = " AND ".join([f"id IN ({marks})", *where])
    rows = db.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE {conditions}", [*ids, *params]
    ).fetchall()
    by_id = {r[0]: _case(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id][:limit]


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
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT department FROM cases WHERE department != '' ORDER BY department"
        ).fetchall()
    ]


def clerks_in_use(db: Database) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in db.execute(
            "SELECT DISTINCT clerk_id, clerk_name FROM cases ORDER BY clerk_name"
        ).fetchall()
    ]


def material_counts(db: Database) -> list[CaseMaterialCounts]:
    """Per intake that reached the checklist: asked, naive and exempted counts."""
    rows = db.execute(
        "SELECT asked_count, naive_count, exempt_count FROM cases"
        " WHERE parent_id IS NULL AND naive_count > 0"
    ).fetchall()
    return [CaseMaterialCounts(r[0], r[1], r[2]) for r in rows]


# --- Unmasked views -----------------------------------------------------------------


def log_unmask(db: Database, row: dict[str, Any], now: datetime) -> None:
    """Record who saw which record's identifiers in full; synced like any other write."""
    db.table("unmask_log").insert(row)
    outbox.record(db, table="unmask_log", row_id=row["id"], kind="insert", payload=row, now=now)


def unmask_entries(db: Database, row_id: str) -> list[dict[str, Any]]:
    return list(db["unmask_log"].rows_where("row_id = ?", [row_id], order_by="at"))
