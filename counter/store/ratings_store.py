"""Ratings, rating requests and follow-ups in the local store.

Rating requests are made here from the store's own served tickets and handed-over
cases (``INSERT OR IGNORE`` keyed by the service), so the rating pad — another process
on the same store — learns of a finished service without any link to the window's
program. Ratings and follow-ups travel to the central through the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso
from counter.model.followups import FollowUp, FollowUpKind, FollowUpState, Note, Step
from counter.model.ratings import (
    Channel,
    Level,
    Rating,
    RatingRequest,
    ServiceKind,
    followup_payload,
    rating_payload,
)
from counter.store import outbox
from counter.store.case_packs import MARKED_ACTIONS

DELIVER_ACTION = "出件"

_REQUEST_COLUMNS = (
    "id, kind, reference, case_number, item_code, item_name, department, window,"
    " clerk_id, clerk_name, served_at, rater_name, rater_phone"
)


def materialise_requests(db: Database, since: datetime) -> int:
    """Make a request for every ticket served and case handed over since ``since``."""
    before = int(db.execute("SELECT count(*) FROM rating_requests").fetchone()[0])
    with db.atomic():
        db.execute(
            "INSERT OR IGNORE INTO rating_requests (id, kind, source_id, reference,"
            " case_number, item_code, item_name, department, window, clerk_id, clerk_name,"
            " rater_name, rater_phone, served_at)"
            " SELECT 'ticket:' || t.id, 'ticket', t.id, t.number,"
            " coalesce(json_extract(t.cases, '$[0]'), ''), '',"
            " coalesce((SELECT group_concat(value, '、') FROM json_each(t.services)), ''), '',"
            " t.window, t.clerk_id, t.clerk_name, t.person_name, '', t.finished_at"
            " FROM tickets t WHERE t.day >= ? AND t.state = 'done' AND t.finished_at >= ?",
            [since.date().isoformat(), iso(since)],
        )
        db.execute(
            "INSERT OR IGNORE INTO rating_requests (id, kind, source_id, reference,"
            " case_number, item_code, item_name, department, window, clerk_id, clerk_name,"
            " rater_name, rater_phone, served_at)"
            " SELECT 'case:' || c.id, 'case', c.id, c.number, c.number,"
            " coalesce(c.item_code, c.bundle_code, ''), c.title, c.department,"
            " e.window, e.staff_id, e.staff_name, c.applicant_name, c.applicant_phone, e.at"
            " FROM case_events e JOIN cases c ON c.id = e.case_id"
            " WHERE e.action = ? AND e.at >= ? AND c.parent_id IS NULL",
            [DELIVER_ACTION, iso(since)],
        )
    return int(db.execute("SELECT count(*) FROM rating_requests").fetchone()[0]) - before


def _request(row: tuple[Any, ...]) -> RatingRequest:
    return RatingRequest(
        id=row[0],
        kind=ServiceKind(row[1]),
        reference=row[2],
        case_number=row[3],
        item_code=row[4],
        item_name=row[5],
        department=row[6],
        window=row[7],
        clerk_id=row[8],
        clerk_name=row[9],
        served_at=datetime.fromisoformat(row[10]),
        rater_name=row[11],
        rater_phone=row[12],
    )


def request(db: Database, request_id: str) -> RatingRequest | None:
    row = db.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM rating_requests WHERE id = ?", [request_id]
    ).fetchone()
    return _request(row) if row else None


def requests_for_reference(db: Database, reference: str) -> list[RatingRequest]:
    rows = db.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM rating_requests WHERE reference = ?"
        " ORDER BY served_at DESC",
        [reference],
    ).fetchall()
    return [_request(r) for r in rows]


def unrated_at_window(db: Database, window: str, since: datetime) -> list[RatingRequest]:
    """Services at ``window`` since ``since`` not yet rated, newest first."""
    rows = db.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM rating_requests r WHERE r.window = ?"
        " AND r.served_at >= ? AND NOT EXISTS (SELECT 1 FROM ratings WHERE request_id = r.id)"
        " ORDER BY r.served_at DESC",
        [window, iso(since)],
    ).fetchall()
    return [_request(r) for r in rows]


def unrated_between(db: Database, since: datetime, cutoff: datetime) -> list[RatingRequest]:
    """Services served in [since, cutoff] that nobody rated."""
    rows = db.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM rating_requests r WHERE r.served_at >= ?"
        " AND r.served_at <= ? AND NOT EXISTS (SELECT 1 FROM ratings WHERE request_id = r.id)",
        [iso(since), iso(cutoff)],
    ).fetchall()
    return [_request(r) for r in rows]


# --- ratings -------------------------------------------------------------------------


def _level(value: Any) -> Level | None:
    return None if value is None else Level(int(value))


_RATING_COLUMNS = (
    "id, request_id, kind, reference, case_number, item_code, item_name, department,"
    " window, clerk_id, clerk_name, channel, level, efficiency, skill, attitude, comment,"
    " served_at, rated_at, rater_name, rater_phone"
)


def _rating(row: tuple[Any, ...]) -> Rating:
    return Rating(
        id=row[0],
        request_id=row[1],
        kind=ServiceKind(row[2]),
        reference=row[3],
        case_number=row[4],
        item_code=row[5],
        item_name=row[6],
        department=row[7],
        window=row[8],
        clerk_id=row[9],
        clerk_name=row[10],
        channel=Channel(row[11]),
        level=Level(int(row[12])),
        efficiency=_level(row[13]),
        skill=_level(row[14]),
        attitude=_level(row[15]),
        comment=row[16],
        served_at=datetime.fromisoformat(row[17]),
        rated_at=datetime.fromisoformat(row[18]),
        rater_name=row[19],
        rater_phone=row[20],
    )


def rating_for(db: Database, request_id: str) -> Rating | None:
    row = db.execute(
        f"SELECT {_RATING_COLUMNS} FROM ratings WHERE request_id = ?", [request_id]
    ).fetchone()
    return _rating(row) if row else None


def rating_by_id(db: Database, rating_id: str) -> Rating | None:
    row = db.execute(f"SELECT {_RATING_COLUMNS} FROM ratings WHERE id = ?", [rating_id]).fetchone()
    return _rating(row) if row else None


def rating_row(rating: Rating, device: str) -> dict[str, Any]:
    return rating_payload(rating, device)


def insert_rating(db: Database, rating: Rating, now: datetime) -> None:
    """In the caller's transaction; the unique request id refuses a second rating."""
    row = rating_row(rating, outbox.device_id(db))
    db.table("ratings").insert(row)
    outbox.record(db, table="ratings", row_id=rating.id, kind="insert", payload=row, now=now)


# --- follow-ups ------------------------------------------------------------------------


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def followup_row(f: FollowUp) -> dict[str, Any]:
    return followup_payload(f)


def _followup(row: dict[str, Any]) -> FollowUp:
    return FollowUp(
        id=row["id"],
        kind=FollowUpKind(row["kind"]),
        state=FollowUpState(row["state"]),
        opened_at=datetime.fromisoformat(row["opened_at"]),
        who=row["who"],
        contact=row["contact"],
        matter=row["matter"],
        items=tuple(json.loads(row["items"] or "[]")),
        why=row["why"],
        handler=row["handler"],
        first_due=_when(row["first_due"]),
        final_due=datetime.fromisoformat(row["final_due"]),
        first_done_at=_when(row["first_done_at"]),
        closed_at=_when(row["closed_at"]),
        outcome=row["outcome"],
        cases=tuple(json.loads(row["cases"] or "[]")),
        rating_id=row["rating_id"] or "",
        department=row["department"],
        window=row["window"],
        clerk_id=row["clerk_id"],
        clerk_name=row["clerk_name"],
        due_provisional=bool(row["due_provisional"]),
        staff_id=row["staff_id"],
        staff_name=row["staff_name"],
        updated_at=_when(row["updated_at"]),
    )


def save_followup(db: Database, f: FollowUp, now: datetime) -> None:
    """Insert or replace; last writer wins on the central (hybrid clock)."""
    row = followup_row(f)
    outbox.write_row(db, "followups", row, "id", now)


def add_note(db: Database, note: Note, now: datetime) -> None:
    row = {
        "id": note.id,
        "followup_id": note.followup_id,
        "at": iso(note.at),
        "step": note.step.value,
        "from_state": note.from_state.value,
        "to_state": note.to_state.value,
        "text": note.text,
        "staff_id": note.staff_id,
        "staff_name": note.staff_name,
    }
    db.table("followup_notes").insert(row)
    outbox.record(db, table="followup_notes", row_id=note.id, kind="insert", payload=row, now=now)


def followup(db: Database, followup_id: str) -> FollowUp | None:
    rows = list(db.query("SELECT * FROM followups WHERE id = ?", [followup_id]))
    return _followup(rows[0]) if rows else None


#: Closed follow-ups the supervisor's list shows, newest first: the open ones are the
#: work (all of them), the closed ones a reminder of the latest, not a year's archive.
CLOSED_SHOWN = 200


def followups(
    db: Database, kinds: Iterable[FollowUpKind], closed: int = CLOSED_SHOWN
) -> list[FollowUp]:
    """Every open follow-up of ``kinds``, then the newest ``closed`` closed ones: each
    through its partial index, so the page's first paint does not grow with history
    (issue 32)."""
    wanted = [k.value for k in kinds]
    marks = ",".join("?" * len(wanted))
    open_rows = db.query(
        f"SELECT * FROM followups INDEXED BY followups_open"
        f" WHERE closed_at IS NULL AND kind IN ({marks})",
        wanted,
    )
    closed_rows = db.query(
        f"SELECT * FROM followups INDEXED BY followups_closed WHERE closed_at IS NOT NULL"
        f" AND kind IN ({marks}) ORDER BY closed_at DESC LIMIT ?",
        [*wanted, closed],
    )
    return [_followup(r) for r in (*open_rows, *closed_rows)]


def notes(db: Database, followup_id: str) -> list[Note]:
    return [
        Note(
            id=r["id"],
            followup_id=r["followup_id"],
            at=datetime.fromisoformat(r["at"]),
            step=Step(r["step"]),
            from_state=FollowUpState(r["from_state"]),
            to_state=FollowUpState(r["to_state"]),
            text=r["text"],
            staff_id=r["staff_id"],
            staff_name=r["staff_name"],
        )
        for r in db.query(
            "SELECT * FROM followup_notes WHERE followup_id = ? ORDER BY at", [followup_id]
        )
    ]


# --- rows for the statistics -----------------------------------------------------------


def _dicts(db: Database, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts, straight from the cursor (a month is tens of thousands of rows)."""
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ticket_rows(db: Database, start: date, end: date) -> list[dict[str, Any]]:
    return _dicts(
        db,
        "SELECT day, window, clerk_id, clerk_name, state, issued_at, first_called_at,"
        " started_at, finished_at FROM tickets WHERE day >= ? AND day <= ?",
        [start.isoformat(), end.isoformat()],
    )


def case_rows(db: Database, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Cases accepted or decided in the period, or due in it; with the decision time and,
    for an intake, how many items it took in. Over-fetching is harmless: the model
    filters by the period again."""
    today_text = today.isoformat()
    lo, hi = start.isoformat(), (end.toordinal() + 1)
    hi_text = date.fromordinal(hi).isoformat()
    finishing = ", ".join("?" * len(MARKED_ACTIONS))
    return _dicts(
        db,
        # A 容缺 promise lapses the day after its date: recorded on the case once someone
        # acted on it, else read from the materials still promised (as CasesService.row),
        # or from the pack of a case packed (case_packs: a case is one or the other).
        "WITH lapses AS (SELECT c.id, coalesce(c.promise_lapsed_on,"
        " (SELECT date(min(m.promised_due), '+1 day') FROM case_materials m"
        " WHERE m.case_id = coalesce(c.parent_id, c.id) AND m.status = '容缺承诺'"
        " AND m.promised_due < ?),"
        " (SELECT date(p.promised_open, '+1 day') FROM case_packs p"
        " WHERE p.case_id = coalesce(c.parent_id, c.id) AND p.promised_open < ?))"
        " AS lapsed_on FROM cases c WHERE c.rongque = 1),"
        f" finished AS (SELECT case_id, max(at) AS at FROM (SELECT case_id, at FROM case_events"
        f" WHERE action IN ({finishing}) AND at >= ? AND at < ?"
        f" UNION ALL SELECT case_id, at FROM case_pack_marks"
        f" WHERE action IN ({finishing}) AND at >= ? AND at < ?) GROUP BY case_id),"
        " wanted AS (SELECT id FROM cases WHERE accepted_at >= ? AND accepted_at < ?"
        " UNION SELECT case_id FROM finished"
        " UNION SELECT id FROM cases WHERE promised_due >= ? AND promised_due < ?"
        " UNION SELECT id FROM lapses WHERE lapsed_on >= ? AND lapsed_on < ?)"
        " SELECT c.id, c.parent_id, c.item_code, c.bundle_code, c.title, c.department,"
        " c.window, c.clerk_id, c.clerk_name, c.state, c.accepted_at, c.promised_due,"
        " c.promised_days, c.paused_days, c.asked_count, c.naive_count, c.rongque,"
        " c.delivery_method, l.lapsed_on AS promise_lapsed_on, f.at AS finished_at,"
        " (SELECT count(*) FROM cases k WHERE k.parent_id = c.id) AS children"
        " FROM wanted w JOIN cases c ON c.id = w.id LEFT JOIN finished f ON f.case_id = c.id"
        " LEFT JOIN lapses l ON l.id = c.id",
        [
            today_text,
            today_text,
            *MARKED_ACTIONS,
            lo,
            hi_text,
            *MARKED_ACTIONS,
            lo,
            hi_text,
            lo,
            hi_text,
            lo,
            hi_text,
            lo,
            hi_text,
        ],
    )


def rating_rows(db: Database, start: date, end: date, device: str | None) -> list[dict[str, Any]]:
    hi = date.fromordinal(end.toordinal() + 1).isoformat()
    sql = "SELECT * FROM ratings WHERE rated_at >= ? AND rated_at < ?"
    args: list[Any] = [start.isoformat(), hi]
    if device is not None:
        sql += " AND device_id IN (?, '')"
        args.append(device)
    return _dicts(db, sql, args)


def followup_rows(db: Database, start: date, end: date) -> list[dict[str, Any]]:
    hi = date.fromordinal(end.toordinal() + 1).isoformat()
    return _dicts(
        db,
        "SELECT * FROM followups WHERE opened_at >= ? AND opened_at < ?",
        [start.isoformat(), hi],
    )
