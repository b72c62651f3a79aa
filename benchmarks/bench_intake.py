"""Intake and case search at hall scale.

1. Decision key to committed case: the median time of ``IntakeService.decide`` (one
   transaction: applicant, case, sub-cases, checklist, events, outbox) with 10,000 cases
   already in the store, for a single item and for the 6-item 企业开办 bundle.
2. Search over 600,000 cases (a year of a busy hall, generated with executemany): a
   case number, a USCC and a 3-character name fragment, each the median of several
   different queries, through the store and through the cases service (which also
   works out each row's deadlines and light for display).

    python -m benchmarks.bench_intake [cases-for-search]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from counter.model.cases import CaseState
from counter.model.clock import HALL_TZ, iso
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    LineState,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD, prepare_store
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.session import Session, sign_in
from counter.store.cases_store import CaseFilter
from counter.store.cases_store import search as store_search
from counter.store.db import open_store

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
PLACES = "闽榕鹭泉莆漳龙宁三武建邵福厦晋石南安永"
WORDS = "华兴盛达丰源恒通信诚瑞祥鑫宏远海峡星辰云端智联优选佳美"
KINDS = ("科技", "贸易", "餐饮", "物流", "建设", "文化", "农业", "医药", "教育", "电子")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def fake_uscc(rng: random.Random) -> str:
    return "9135" + "".join(rng.choice(USCC_ALPHABET) for _ in range(14))


def fake_name(rng: random.Random) -> str:
    return (
        rng.choice(PLACES) + rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(KINDS) + "有限公司"
    )


def generated_rows(count: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """Cases as they pile up over a year: mostly closed, numbers per day and window."""
    rng = random.Random(seed)
    states = [CaseState.DELIVERED] * 8 + [CaseState.ACCEPTED, CaseState.PROCESSING]
    for n in range(count):
        when = NOW - timedelta(days=365 * (count - n) / count)
        window = 1 + n % 12
        number = f"{when:%Y%m%d}-{window:03d}B{n % 7:03d}-{n:07d}"
        accepted = iso(when)
        due = iso(when + timedelta(days=3))
        yield (
            f"gen-{n:07d}",
            number,
            "有限责任公司设立登记（含社会保险登记）",
            "SCJG",
            rng.choice(states).value,
            f"E:gen{n}",
            "企业",
            fake_name(rng),
            fake_uscc(rng),
            f"13{rng.randint(300000000, 999999999)}",
            "demo-002",
            "李娜",
            str(window),
            "bench",
            accepted,
            accepted,
            accepted,
            accepted,
            3.0,
            20.0,
            due,
            due,
            accepted,
        )


def fill(db: Database, count: int) -> float:
    """Bulk insert through the real table, triggers and FTS index included."""
    start = time.perf_counter()
    db.execute(
        "INSERT OR IGNORE INTO applicants (id, kind, id_number, name, updated_at)"
        " VALUES ('E:gen', '企业', '', '', ?)",
        [iso(NOW)],
    )
    db.conn.commit()
    sql = (
        "INSERT INTO cases (id, number, title, department, state, applicant_id, applicant_kind,"
        " applicant_name, applicant_id_number, applicant_phone, clerk_id, clerk_name, window,"
        " catalog_version, created_at, received_at, notice_at, accepted_at, promised_days,"
        " legal_days, promised_due, legal_due, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'E:gen', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    batch: list[tuple[Any, ...]] = []
    for row in generated_rows(count):
        batch.append(row[:5] + row[6:])
        if len(batch) == 20_000:
            with db.conn:
                db.conn.executemany(sql, batch)
            batch.clear()
    if batch:
        with db.conn:
            db.conn.executemany(sql, batch)
    return time.perf_counter() - start


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def all_received(intake: IntakeService, code: str) -> tuple[LineState, ...]:
    checklist = intake.checklist(code)
    return tuple(
        s if line.exempt else set_status(line, s, MaterialStatus.ORIGINAL)
        for line, s in zip(checklist, initial_states(checklist), strict=True)
    )


def services(db: Database) -> tuple[IntakeService, CasesService, Session]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    session = sign_in(db, "lina", DEMO_PASSWORD, "3", NOW)
    return intake, CasesService(db, intake, calendar, settings), session


def bench_decide(folder: Path) -> None:
    db = open_store(folder / "decide.db")
    prepare_store(db, NOW)
    took = fill(db, 10_000)
    print(f"store with 10,000 cases generated in {took:.1f} s")
    intake, _, session = services(db)
    form = ApplicantForm(ApplicantKind.ENTERPRISE, "91350100M000100Y43", "示范科技有限公司",
                         "13812345678", legal_rep="张三")  # fmt: skip
    for code, label in (("SCJG-0002", "single item"), ("YJS-QYKB", "企业开办 bundle (1+6)")):
        request = IntakeRequest(code, form, all_received(intake, code), Decision.ACCEPT)
        ms = median_ms(lambda r=request: intake.decide(session, r, NOW), 50)
        print(f"decision key → committed case, {label}: median {ms:.1f} ms (50 runs)")
    db.close()


def bench_search(folder: Path, count: int) -> None:
    db = open_store(folder / "search.db")
    prepare_store(db, NOW)
    took = fill(db, count)
    size = (folder / "search.db").stat().st_size / 1e6
    print(f"{count:,} cases generated in {took:.1f} s ({size:.0f} MB with indexes)")
    _, cases, _ = services(db)
    rng = random.Random(99)
    sample = [rng.randrange(count) for _ in range(15)]
    rows = {row[0]: row for n, row in enumerate(generated_rows(count)) if n in set(sample)}
    picks = [rows[f"gen-{n:07d}"] for n in sample]
    queries = {
        "case number": [r[1] for r in picks],
        "USCC": [r[8] for r in picks],
        "3-char name fragment": [r[7][1:4] for r in picks],
        "2-char name fragment (LIKE)": [r[7][1:3] for r in picks],
    }
    for label, texts in queries.items():
        found = [len(store_search(db, t)) for t in texts]
        store_ms = statistics.median(median_ms(lambda t=t: store_search(db, t), 3) for t in texts)
        service_ms = statistics.median(
            median_ms(lambda t=t: cases.find(t, CaseFilter(), NOW), 3) for t in texts
        )
        print(
            f"search {label}: store median {store_ms:.1f} ms, with deadlines and lights "
            f"{service_ms:.1f} ms (hits per query: median {statistics.median(found):.0f}, "
            f"capped at 200)"
        )
    db.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 600_000
    with tempfile.TemporaryDirectory(prefix="counter-bench-") as tmp:
        folder = Path(tmp)
        bench_decide(folder)
        bench_search(folder, count)


if __name__ == "__main__":
    main()
