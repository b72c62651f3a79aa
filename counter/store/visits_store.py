"""Visits, 跟跑 tasks, pre-reviews, authorisations and drafts in the local store.

Each write appends its outbox op in the caller's transaction (a service call), so a
visit made offline reaches the central, and from there the hall, exactly as saved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso, parse_iso
from counter.model.errors import NotAllowedError, NotFoundError
from counter.model.intake import LineState, MaterialStatus
from counter.model.visits import (
    Authorisation,
    CaseDraft,
    DraftState,
    FollowUpTask,
    PreReview,
    Visit,
)
from counter.store import outbox


def _write(
    db: Database, table: str, row: dict[str, Any], pk: str, kind: str, now: datetime
) -> None:
    outbox.write_row(db, table, row, pk, now, kind=kind)


def states_json(states: Sequence[LineState]) -> str:
    return json.dumps(
        [
            [
                s.material_id,
                s.status.value,
                s.copies,
                s.promised_due.isoformat() if s.promised_due else None,
            ]
            for s in states
        ],
        ensure_ascii=False,
    )


def states_of(text: str) -> tuple[LineState, ...]:
    return tuple(
        LineState(m, MaterialStatus(st), int(c), date.fromisoformat(d) if d else None)
        for m, st, c, d in json.loads(text)
    )


# --- Visits ---------------------------------------------------------------------------


def save_visit(db: Database, visit: Visit, now: datetime) -> None:
    row = {
        "id": visit.id,
        "uscc": visit.uscc,
        "enterprise_name": visit.enterprise_name,
        "address": visit.address,
        "contact": visit.contact,
        "contact_phone": visit.contact_phone,
        "visited_on": visit.visited_on.isoformat(),
        "place": visit.place,
        "purpose": visit.purpose,
        "items": json.dumps(list(visit.items), ensure_ascii=False),
        "notes": visit.notes,
        "uscc_warnings": json.dumps(list(visit.uscc_warnings), ensure_ascii=False),
        "specialist_id": visit.specialist_id,
        "specialist_name": visit.specialist_name,
        "created_at": iso(visit.created_at),
        "updated_at": iso(visit.updated_at),
    }
    _write(db, "visits", row, "id", "upsert", now)


_VISIT = (
    "id, uscc, enterprise_name, address, contact, contact_phone, visited_on, place, purpose,"
    " items, notes, specialist_id, specialist_name, created_at, updated_at, uscc_warnings"
)


def _visit(r: Sequence[Any]) -> Visit:
    return Visit(
        id=r[0],
        uscc=r[1],
        enterprise_name=r[2],
        address=r[3],
        contact=r[4],
        contact_phone=r[5],
        visited_on=date.fromisoformat(r[6]),
        place=r[7],
        purpose=r[8],
        items=tuple(json.loads(r[9])),
        notes=r[10],
        specialist_id=r[11],
        specialist_name=r[12],
        created_at=parse_iso(r[13]),
        updated_at=parse_iso(r[14]),
        uscc_warnings=tuple(json.loads(r[15])),
    )


def get_visit(db: Database, visit_id: str) -> Visit | None:
    row = db.execute(f"SELECT {_VISIT} FROM visits WHERE id = ?", [visit_id]).fetchone()
    return _visit(row) if row else None


def visits(db: Database, limit: int = 500, specialist_id: str | None = None) -> list[Visit]:
    """Newest first; ``specialist_id`` keeps one specialist's own visits."""
    where, args = ("WHERE specialist_id = ?", [specialist_id]) if specialist_id else ("", [])
    rows = db.execute(
        f"SELECT {_VISIT} FROM visits {where} ORDER BY visited_on DESC, created_at DESC LIMIT ?",
        [*args, limit],
    ).fetchall()
    return [_visit(r) for r in rows]


# --- 跟跑 tasks -----------------------------------------------------------------------


def save_task(db: Database, task: FollowUpTask, now: datetime) -> None:
    row = {
        "id": task.id,
        "visit_id": task.visit_id,
        "text": task.text,
        "due": task.due.isoformat(),
        "done_at": iso(task.done_at) if task.done_at else None,
        "updated_at": iso(now),
    }
    _write(db, "visit_tasks", row, "id", "upsert", now)


def tasks(db: Database, visit_id: str | None = None) -> list[FollowUpTask]:
    where, args = ("WHERE visit_id = ?", [visit_id]) if visit_id else ("", [])
    rows = db.execute(
        f"SELECT id, visit_id, text, due, done_at FROM visit_tasks {where} ORDER BY due, id", args
    ).fetchall()
    return [
        FollowUpTask(r[0], r[1], r[2], date.fromisoformat(r[3]), parse_iso(r[4]) if r[4] else None)
        for r in rows
    ]


# --- 预审 -----------------------------------------------------------------------------


def add_prereview(db: Database, review: PreReview, now: datetime) -> None:
    row = {
        "id": review.id,
        "visit_id": review.visit_id,
        "target_code": review.target_code,
        "target_name": review.target_name,
        "states": states_json(review.states),
        "catalog_version": review.catalog_version,
        "created_at": iso(review.created_at),
    }
    _write(db, "prereviews", row, "id", "event", now)


def _review(r: Sequence[Any]) -> PreReview:
    return PreReview(r[0], r[1], r[2], r[3], states_of(r[4]), r[5], parse_iso(r[6]))


_REVIEW = "id, visit_id, target_code, target_name, states, catalog_version, created_at"


def get_prereview(db: Database, review_id: str) -> PreReview | None:
    row = db.execute(f"SELECT {_REVIEW} FROM prereviews WHERE id = ?", [review_id]).fetchone()
    return _review(row) if row else None


def prereviews(db: Database, visit_id: str) -> list[PreReview]:
    rows = db.execute(
        f"SELECT {_REVIEW} FROM prereviews WHERE visit_id = ? ORDER BY created_at", [visit_id]
    ).fetchall()
    return [_review(r) for r in rows]


# --- 代办委托 -------------------------------------------------------------------------


def add_authorisation(db: Database, auth: Authorisation, now: datetime) -> None:
    row = {
        "id": auth.id,
        "uscc": auth.uscc,
        "enterprise_name": auth.enterprise_name,
        "agent_name": auth.agent_name,
        "agent_id_number": auth.agent_id_number,
        "scope": json.dumps(list(auth.scope)),
        "valid_from": auth.valid_from.isoformat(),
        "valid_until": auth.valid_until.isoformat(),
        "visit_id": auth.visit_id,
        "created_at": iso(auth.created_at),
    }
    _write(db, "agent_authorisations", row, "id", "event", now)


def authorisations(db: Database, uscc: str) -> list[Authorisation]:
    rows = db.execute(
        "SELECT id, uscc, enterprise_name, agent_name, agent_id_number, scope, valid_from,"
        " valid_until, visit_id, created_at FROM agent_authorisations WHERE uscc = ?"
        " ORDER BY created_at",
        [uscc],
    ).fetchall()
    return [
        Authorisation(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            tuple(json.loads(r[5])),
            date.fromisoformat(r[6]),
            date.fromisoformat(r[7]),
            r[8],
            parse_iso(r[9]),
        )
        for r in rows
    ]


# --- Drafts ---------------------------------------------------------------------------


def save_draft(db: Database, draft: CaseDraft, now: datetime) -> None:
    row = {
        "id": draft.id,
        "visit_id": draft.visit_id,
        "prereview_id": draft.prereview_id,
        "target_code": draft.target_code,
        "target_name": draft.target_name,
        "uscc": draft.uscc,
        "enterprise_name": draft.enterprise_name,
        "legal_rep": draft.legal_rep,
        "contact": draft.contact,
        "phone": draft.phone,
        "agent_name": draft.agent_name,
        "agent_id_number": draft.agent_id_number,
        "authorisation_id": draft.authorisation_id,
        "states": states_json(draft.states),
        "specialist_id": draft.specialist_id,
        "specialist_name": draft.specialist_name,
        "created_at": iso(draft.created_at),
        "state": draft.state.value,
        "case_number": draft.case_number,
        "taken_at": iso(draft.taken_at) if draft.taken_at else None,
        "taken_by": draft.taken_by,
        "updated_at": iso(now),
    }
    _write(db, "case_drafts", row, "id", "upsert", now)


_DRAFT = (
    "id, visit_id, prereview_id, target_code, target_name, uscc, enterprise_name, legal_rep,"
    " contact, phone, agent_name, agent_id_number, authorisation_id, states, specialist_id,"
    " specialist_name, created_at, state, case_number, taken_at, taken_by"
)


def _draft(r: Sequence[Any]) -> CaseDraft:
    return CaseDraft(
        id=r[0],
        visit_id=r[1],
        prereview_id=r[2],
        target_code=r[3],
        target_name=r[4],
        uscc=r[5],
        enterprise_name=r[6],
        legal_rep=r[7],
        contact=r[8],
        phone=r[9],
        agent_name=r[10],
        agent_id_number=r[11],
        authorisation_id=r[12],
        states=states_of(r[13]),
        specialist_id=r[14],
        specialist_name=r[15],
        created_at=parse_iso(r[16]),
        state=DraftState(r[17]),
        case_number=r[18],
        taken_at=parse_iso(r[19]) if r[19] else None,
        taken_by=r[20],
    )


def get_draft(db: Database, draft_id: str) -> CaseDraft | None:
    row = db.execute(f"SELECT {_DRAFT} FROM case_drafts WHERE id = ?", [draft_id]).fetchone()
    return _draft(row) if row else None


def drafts(db: Database, state: DraftState | None = None) -> list[CaseDraft]:
    where, args = ("WHERE state = ?", [state.value]) if state else ("", [])
    rows = db.execute(
        f"SELECT {_DRAFT} FROM case_drafts {where} ORDER BY created_at DESC", args
    ).fetchall()
    return [_draft(r) for r in rows]


def take_draft(db: Database, draft_id: str, case_number: str, staff: str, now: datetime) -> None:
    """Mark a draft taken in at the hall, in the transaction that made its case."""
    draft = get_draft(db, draft_id)
    if draft is None:
        raise NotFoundError("没有找到这份预审草稿")
    if draft.state is DraftState.TAKEN:
        raise NotAllowedError(f"这份预审草稿已由{draft.taken_by}受理为办件 {draft.case_number}")
    taken = replace(
        draft, state=DraftState.TAKEN, case_number=case_number, taken_at=now, taken_by=staff
    )
    save_draft(db, taken, now)


# --- Monthly figures -----------------------------------------------------------------


def month_counts(db: Database, month: str) -> dict[str, int]:
    like = f"{month}%"

    def one(sql: str) -> int:
        return int(db.execute(sql, [like]).fetchone()[0])

    return {
        "visits": one("SELECT count(*) FROM visits WHERE visited_on LIKE ?"),
        "enterprises": one("SELECT count(DISTINCT uscc) FROM visits WHERE visited_on LIKE ?"),
        "prereviews": one("SELECT count(*) FROM prereviews WHERE created_at LIKE ?"),
        "drafts": one("SELECT count(*) FROM case_drafts WHERE created_at LIKE ?"),
        "agent_services": one(
            "SELECT count(*) FROM case_drafts WHERE taken_at LIKE ? AND agent_id_number <> ''"
        ),
    }
