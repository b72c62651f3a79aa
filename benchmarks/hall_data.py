"""Generated hall data (tickets, cases with their events, ratings, follow-ups) written
straight into a store, and returned as plain records so a test can compute the expected
figures on its own. Seeded: the same arguments give the same hall.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlite_utils import Database

from counter.model.clock import HALL_TZ, iso
from counter.store import outbox

WINDOWS = [str(n) for n in range(1, 9)]
CLERKS = [(f"clerk-{n}", f"人员{n}") for n in range(1, 9)]
ITEMS = [
    ("SCJG-0001", "企业设立登记", "市场监管局", 1.0),
    ("SCJG-0002", "企业变更登记", "市场监管局", 2.0),
    ("SW-0001", "发票领用", "税务局", 0.5),
    ("RS-0001", "社保登记", "人社局", 3.0),
    ("BDC-0001", "不动产登记", "自然资源局", 5.0),
]
LEVEL_WEIGHTS = [(5, 70), (4, 18), (3, 8), (2, 3), (1, 1)]


@dataclass
class Hall:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)  # case id → 办结 time
    ratings: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)


def _at(d: date, minutes: float) -> datetime:
    return datetime.combine(d, time(9, 0), HALL_TZ) + timedelta(minutes=minutes)


def generate(
    start: date, days: int, tickets_per_day: int, intakes_per_day: int, seed: int = 8
) -> Hall:
    rng = random.Random(seed)
    hall = Hall()
    for offset in range(days):
        d = start + timedelta(days=offset)
        for n in range(tickets_per_day):
            window = rng.choice(WINDOWS)
            clerk = CLERKS[int(window) - 1]
            issued = _at(d, rng.uniform(0, 420))
            called = issued + timedelta(minutes=rng.uniform(1, 40))
            started = called + timedelta(minutes=1)
            done = rng.random() < 0.9
            finished = started + timedelta(minutes=rng.uniform(3, 30)) if done else None
            hall.tickets.append(
                {
                    "id": f"t-{d:%Y%m%d}-{n}",
                    "day": d.isoformat(),
                    "category": "A",
                    "number": f"A{n + 1:04d}",
                    "seq": n + 1,
                    "issued_at": iso(issued),
                    "state": "done" if done else "no_show",
                    "lane": 2,
                    "queue_key": n,
                    "window": window,
                    "clerk_id": clerk[0],
                    "clerk_name": clerk[1],
                    "first_called_at": iso(called),
                    "started_at": iso(started) if done else None,
                    "finished_at": iso(finished) if finished else None,
                    "updated_at": iso(finished or called),
                }
            )
            if done and finished is not None and rng.random() < 0.6:
                level = rng.choices([w[0] for w in LEVEL_WEIGHTS], [w[1] for w in LEVEL_WEIGHTS])[0]
                _rating(hall, f"ticket:t-{d:%Y%m%d}-{n}", level, finished, window, clerk, None)
        for n in range(intakes_per_day):
            _intake(hall, rng, d, n)
    return hall


def _rating(
    hall: Hall,
    request_id: str,
    level: int,
    at: datetime,
    window: str,
    clerk: tuple[str, str],
    item: tuple[str, str, str, float] | None,
) -> None:
    rating_id = f"r-{request_id}"
    hall.ratings.append(
        {
            "id": rating_id,
            "request_id": request_id,
            "kind": "ticket" if item is None else "case",
            "reference": request_id,
            "item_code": item[0] if item else "",
            "item_name": item[1] if item else "",
            "department": item[2] if item else "",
            "window": window,
            "clerk_id": clerk[0],
            "clerk_name": clerk[1],
            "channel": "评价器",
            "level": level,
            "served_at": iso(at),
            "rated_at": iso(at),
        }
    )
    if level <= 2:
        closed = len(hall.followups) % 2 == 0
        hall.followups.append(
            {
                "id": f"f-{request_id}",
                "kind": "差评整改",
                "state": "已整改" if closed else "待回访",
                "opened_at": iso(at),
                "who": "",
                "matter": "差评",
                "items": json.dumps([item[1]] if item else [], ensure_ascii=False),
                "first_due": iso(at + timedelta(days=1)),
                "final_due": iso(at + timedelta(days=21)),
                "closed_at": iso(at + timedelta(days=2)) if closed else None,
                "rating_id": rating_id,
                "department": item[2] if item else "",
                "window": window,
                "clerk_id": clerk[0],
                "clerk_name": clerk[1],
                "updated_at": iso(at),
            }
        )


def _case(
    hall: Hall,
    case_id: str,
    parent: str | None,
    item: tuple[str, str, str, float] | None,
    title: str,
    accepted: datetime,
    window: str,
    clerk: tuple[str, str],
    **extra: Any,
) -> dict[str, Any]:
    row = {
        "id": case_id,
        "number": case_id.upper(),
        "parent_id": parent,
        "item_code": item[0] if item else None,
        "bundle_code": None if item else "YJS-01",
        "title": title,
        "department": item[2] if item else "",
        "state": "已受理",
        "rongque": 0,
        "applicant_id": "gen-applicant",
        "applicant_kind": "enterprise",
        "applicant_name": "示范科技有限公司",
        "applicant_id_number": "91350100M000100Y43",
        "clerk_id": clerk[0],
        "clerk_name": clerk[1],
        "window": window,
        "catalog_version": "gen",
        "created_at": iso(accepted),
        "received_at": iso(accepted),
        "accepted_at": iso(accepted),
        "promised_days": item[3] if item else 0,
        "promised_due": None,
        "asked_count": 0,
        "naive_count": 0,
        "delivery_method": "",
        "updated_at": iso(accepted),
    }
    row.update(extra)
    hall.cases.append(row)
    return row


def _finish(hall: Hall, rng: random.Random, row: dict[str, Any], accepted: datetime) -> None:
    item_days = float(row["promised_days"])
    due = datetime.combine(
        (accepted + timedelta(days=max(1, round(item_days * 1.4)))).date(), time(17, 30), HALL_TZ
    )
    row["promised_due"] = iso(due)
    roll = rng.random()
    if roll < 0.8:
        finished = accepted + timedelta(days=rng.randint(0, 8), minutes=rng.randint(0, 300))
        row["state"] = "已出件" if rng.random() < 0.5 else "办结（准予）"
        hall.finished[row["id"]] = iso(finished)
    elif roll < 0.85:
        row["state"] = "终止"


def _intake(hall: Hall, rng: random.Random, d: date, n: int) -> None:
    window = rng.choice(WINDOWS)
    clerk = CLERKS[int(window) - 1]
    accepted = _at(d, rng.uniform(0, 420))
    key = f"c-{d:%Y%m%d}-{n}"
    asked = rng.randint(3, 8)
    extra = {
        "asked_count": asked,
        "naive_count": asked + rng.randint(0, 5),
        "rongque": int(rng.random() < 0.1),
        "delivery_method": "邮寄" if rng.random() < 0.2 else "当场领取",
    }
    if rng.random() < 0.1:
        parent = _case(hall, key, None, None, "企业开办一件事", accepted, window, clerk, **extra)
        parent["state"] = "办理中"
        for k, item in enumerate(ITEMS[:3]):
            child = _case(hall, f"{key}-{k}", key, item, item[1], accepted, window, clerk)
            _finish(hall, rng, child, accepted)
    else:
        item = rng.choice(ITEMS)
        row = _case(hall, key, None, item, item[1], accepted, window, clerk, **extra)
        _finish(hall, rng, row, accepted)
        if row["id"] in hall.finished and rng.random() < 0.5:
            level = rng.choices([w[0] for w in LEVEL_WEIGHTS], [w[1] for w in LEVEL_WEIGHTS])[0]
            at = datetime.fromisoformat(hall.finished[row["id"]])
            _rating(hall, f"case:{key}", level, at, window, clerk, item)


def _insert(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = sorted({c for r in rows for c in r})
    sql = (
        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)})"
        f" VALUES ({', '.join('?' * len(columns))})"
    )
    db.conn.executemany(sql, [[r.get(c) for c in columns] for r in rows])


def write(db: Database, hall: Hall) -> None:
    """Bulk insert, as if the counter had done the work (no outbox: not a sync test)."""
    device = outbox.device_id(db)
    stamp = "2026-01-01T00:00:00.000+08:00"
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO applicants (id, kind, id_number, name, updated_at)"
            " VALUES ('gen-applicant', 'enterprise', '91350100M000100Y43', '示范科技有限公司', ?)",
            [stamp],
        )
        _insert(db, "tickets", hall.tickets)
        _insert(db, "cases", hall.cases)
        _insert(
            db,
            "case_events",
            [
                {
                    "id": f"e-{case_id}",
                    "case_id": case_id,
                    "action": "办结（准予）",
                    "to_state": "办结（准予）",
                    "at": at,
                    "staff_id": "clerk-1",
                    "staff_name": "人员1",
                    "window": "1",
                }
                for case_id, at in hall.finished.items()
            ],
        )
        _insert(db, "ratings", [{**r, "device_id": device} for r in hall.ratings])
        _insert(db, "followups", hall.followups)
