"""A counter at work, to be killed: intake, printing and sync in a random mix, forever.

After each commit it prints what the parent may now hold it to (``case ID``, ``job ID``,
``seq N`` for the highest outbox sequence written); a fake central appends each op it
receives to a file and fsyncs before answering, as a real one commits before acking.

    python -m benchmarks.crash_child STORE CENTRAL_FILE SEED
"""

from __future__ import annotations

import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from counter.model.clock import HALL_TZ
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.print_job import DocumentKind, PrintPayload
from counter.model.settings import Settings
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.print_service import PrintService
from counter.services.session import Session
from counter.store import staff_store
from counter.store.db import open_store
from counter.sync.client import SyncClient
from counter.sync.transport import Response

USCC = "91350100M000100Y43"


class DurableCentral:
    """Acks every op after writing its sequence number to disk."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("a")

    def request(self, method: str, path: str, *, body: Any = None, params: Any = None) -> Response:
        if path != "/v1/push":
            return Response(200, {"changes": [], "cursor": 0, "more": False})
        for op in body["ops"]:
            self.fh.write(f"{op['seq']}\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())
        return Response(
            200,
            {
                "acked": [op["op_id"] for op in body["ops"]],
                "refused": [],
                "next_expected_seq": body["ops"][-1]["seq"] + 1,
            },
        )


def say(*words: object) -> None:
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def main() -> None:
    store, central, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    db = open_store(store)
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    catalog = CatalogService(db)
    intake = IntakeService(db, catalog, calendar, settings)
    printing = PrintService(db, settings)
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    session = Session(staff, "3", datetime(2026, 11, 27, 9, tzinfo=HALL_TZ))
    clock = [datetime(2026, 11, 27, 9, tzinfo=HALL_TZ)]

    def now() -> datetime:
        clock[0] += timedelta(milliseconds=rng.randint(1, 50))
        return clock[0]

    client = SyncClient(db, DurableCentral(central), clock=now, batch_size=rng.randint(1, 20))
    say("ready")
    while True:
        step = rng.random()
        if step < 0.4:
            code = "SCJG-0002"
            checklist = intake.checklist(code)
            states = tuple(
                s if line.exempt else set_status(line, s, MaterialStatus.ORIGINAL)
                for line, s in zip(checklist, initial_states(checklist), strict=True)
            )
            form = ApplicantForm(ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678",
                                 legal_rep="张三")  # fmt: skip
            case = intake.decide(session, IntakeRequest(code, form, states, Decision.ACCEPT), now())
            say("case", case.case.id)
        elif step < 0.7:
            payload = PrintPayload(f"回执 {rng.random()}", b"%PDF-1.4 " + os.urandom(2000), None)
            job = printing.submit(session, DocumentKind.NOTICE, payload, "ref", now())
            say("job", job.id)
        elif step < 0.85:
            claimed = printing.claim_next(now())
            if claimed is not None:
                printing.printed(claimed[0], now())
        else:
            client.push()
        say("seq", int(db.execute("SELECT next_seq FROM device").fetchone()[0]) - 1)


if __name__ == "__main__":
    main()
