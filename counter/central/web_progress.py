"""办件进度查询 (issue 31, point 2): a case number plus the last four characters of the
applicant's ID number or phone shows how far the case has got.

:mod:`counter.model.progress` decides what is shown. A wrong pair and an unknown
number get the same answer, so the page is no oracle for which numbers exist; each case
number takes :data:`~counter.model.progress.WRONG_TRIES` wrong tries and is then
locked for :data:`LOCK_MINUTES`, whoever tries, so guessing four digits from many
addresses fails too. The counts live in this process: with several ``--workers`` a
number may take that many tries per worker before all of them lock it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from counter.central.engine import Engine
from counter.central.migrations import LOOKUPS, json_field
from counter.central.web_pages import HallFacts, Pages
from counter.model.errors import ValidationError
from counter.model.progress import (
    LOCKED,
    NOT_FOUND,
    WRONG_TRIES,
    CaseProgress,
    check_query,
    holder_matches,
    progress,
)

#: Minutes a case number stays locked after too many wrong tries.
LOCK_MINUTES = 30
#: Case numbers whose wrong tries are remembered at once (the oldest are forgotten).
TRACKED_NUMBERS = 100_000
_TITLE = "办件进度查询"


class WrongTries:
    """Wrong answers per case number; a number with too many is locked for a while."""

    def __init__(self, limit: int = WRONG_TRIES, lock_s: float = LOCK_MINUTES * 60) -> None:
        self.limit = limit
        self.lock_s = lock_s
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def locked(self, number: str, now: float) -> bool:
        with self._lock:
            count, since = self._seen.get(number, (0, now))
            if count >= self.limit and now - since >= self.lock_s:
                del self._seen[number]  # the lock has run out: a fresh start
                return False
            return count >= self.limit

    def wrong(self, number: str, now: float) -> None:
        with self._lock:
            count, since = self._seen.pop(number, (0, now))
            self._seen[number] = (count + 1, now if count + 1 >= self.limit else since)
            while len(self._seen) > TRACKED_NUMBERS:
                self._seen.popitem(last=False)

    def right(self, number: str) -> None:
        with self._lock:
            self._seen.pop(number, None)


def payloads(engine: Engine, table: str, value: str) -> list[dict[str, Any]]:
    """The live rows of ``table`` whose looked-up field (:data:`LOOKUPS`) is ``value``."""
    # The table is named as a literal, so the planner can use its partial index
    # (central migration 2); it and its field come from LOOKUPS, never from a request.
    field = LOOKUPS[table]
    rows = engine.query(
        f"SELECT payload FROM rows WHERE table_name = '{table}' AND kind <> 'delete'"
        f" AND {json_field(engine.dialect, field)} = ?",
        [value],
    )
    return [json.loads(text) for (text,) in rows]


def find_case(
    engine: Engine, hall: HallFacts, number: str, last4: str, today: date
) -> CaseProgress | None:
    """The case with this number if its holder's digits match, as the applicant sees it."""
    found = payloads(engine, "cases", number)
    if len(found) != 1 or not holder_matches(found[0], last4):
        return None
    case = found[0]
    events = payloads(engine, "case_events", str(case.get("id", "")))
    materials = payloads(engine, "case_materials", str(case.get("id", "")))
    return progress(case, events, materials, hall.calendar, today, hall.name)


def add_progress_routes(app: FastAPI, pages: Pages) -> None:
    tries = WrongTries()

    def form(hall: HallFacts, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("number", "")
        return pages.form_page("progress_form.html", hall, status, title=_TITLE, **values)

    @app.get("/progress", include_in_schema=False, response_class=HTMLResponse)
    async def progress_form() -> HTMLResponse:
        return form(await pages.hall())

    @app.post("/progress", include_in_schema=False, response_class=HTMLResponse)
    async def progress_query(request: Request) -> HTMLResponse:
        if not pages.allowed(request):
            return pages.too_fast(await pages.hall(), _TITLE, "/progress")
        hall = await pages.hall()
        fields = await pages.form(request)
        if not pages.token_ok(request, fields):
            return form(hall, 403, message="页面已过期，请重新输入后查询")
        typed = str(fields.get("number", ""))[:80]
        try:
            number, last4 = check_query(typed, str(fields.get("last4", ""))[:20])
        except ValidationError as exc:
            return form(hall, 400, number=typed.strip(), errors={exc.field: exc.message})
        moment = time.monotonic()
        if tries.locked(number, moment):
            return form(hall, 429, number=number, message=LOCKED.format(LOCK_MINUTES))
        found = await pages.in_thread(find_case, pages.engine, hall, number, last4, pages.today())
        if found is None:
            tries.wrong(number, moment)
            return form(hall, 404, number=number, message=NOT_FOUND)
        tries.right(number)
        return pages.render("progress.html", hall, title=_TITLE, p=found)
