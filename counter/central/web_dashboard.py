"""电子监察 (issue 31, point 5): the hall's live dashboard for its supervisors and leaders.

``/hall`` shows the queue per category, every window's state, today's tickets and
cases, the cases in yellow and red, the open 差评 follow-ups and 办不成事 entries, and
the month's figures; ``/hall?wall=1`` is the same page for the hall's big screen.
``/hall/stream`` pushes the sections again whenever they change (server-sent events,
read by ``static/hall.js``), so neither screen reloads. Only staff signed in with a
supervisor's or administrator's account see it (:mod:`counter.central.web_staff`),
and the stream checks the session again as it runs.

The figures are the statistics' own: the month's and today's come from
:func:`counter.central.report.report_of`, the computation behind ``counter-central
report`` and a counter's 统计 page; the lights and deadlines from
:mod:`counter.model.supervision`, on the counters' rules.

Cheap for many viewers: one :class:`HallWatch` per process keeps the last snapshot and
every viewer is handed the same one. It reads two cursors at most once a second (the
queue's last event, the change log's last cursor). The queue part is computed again
when either moved (the clerks' states arrive as synced rows); the part made of every
synced row only when the change log moved and :data:`ROWS_MIN_S` have passed, or every
:data:`ROWS_EVERY_S` (a light turns yellow with time alone). The sections are rendered
once per snapshot, and a viewer is sent them only when they differ from what it has.
With ``--workers`` each process keeps its own snapshot; a stream polls its process's
snapshot each second, which is what wakes it after a queue event in any process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from counter.central.engine import Engine
from counter.central.hall_queue import CALL_KINDS
from counter.central.published import published_settings
from counter.central.report import HallRows, hall_rows, report_of
from counter.central.web_pages import Pages, guard
from counter.central.web_staff import SESSION_COOKIE, session_staff, signed_in
from counter.model.clock import HALL_TZ
from counter.model.deadlines import Light
from counter.model.followups import FollowUpKind
from counter.model.settings import Settings
from counter.model.statistics import COLUMNS, Dimension, Period, Report, headlines
from counter.model.supervision import (
    AT_WINDOW_STATES,
    CaseAlert,
    FollowUpAlert,
    QueueLine,
    WindowLine,
    case_alerts,
    followup_alerts,
    queue_lines,
    window_lines,
)

#: The cursors are read at most this often, however many viewers ask.
CHECK_S = 1.0
#: The queue part is computed again at least this often (waits grow by the minute).
QUEUE_EVERY_S = 30.0
#: The part made of every synced row: at most this often when rows changed...
ROWS_MIN_S = 5.0
#: ...and at least this often (lights turn yellow and red with time alone).
ROWS_EVERY_S = 60.0
#: How often a stream looks for a new snapshot.
POLL_S = 1.0
#: A stream sends a comment when it has sent nothing for this long (proxies, dead peers).
HEARTBEAT_S = 15.0
#: How often a quiet stream checks its session again (a snapshot sent checks it too).
SESSION_CHECK_S = 5.0
#: A stream ends after this long; the page opens the next one (and signs in anew).
STREAM_S = 600.0
#: Rows of each long list on the wall screen and on the page; the rest are counted
#: (另有 N 件), so a hall with hundreds of red cases still sends a small page.
WALL_ROWS = 8
PAGE_ROWS = 50
#: The sections, in page order: each has an element ``sec-<name>`` the script refills.
SECTIONS = ("queue", "windows", "today", "cases", "followups", "month")
_TITLE = "电子监察"
_COLUMN = dict(COLUMNS)


@dataclass(frozen=True)
class QueuePart:
    """The central's queue now: cheap to read, read whenever the queue moves."""

    lines: tuple[QueueLine, ...]
    windows: tuple[WindowLine, ...]


@dataclass(frozen=True)
class RowsPart:
    """What needs every synced row: the figures and the lists of alerts."""

    today: Report
    month: Report
    cases: tuple[CaseAlert, ...]
    bad_reviews: tuple[FollowUpAlert, ...]
    cannot_do: tuple[FollowUpAlert, ...]


@dataclass(frozen=True)
class Snapshot:
    """The sections rendered for the phone page and for the wall, and a version that
    changes whenever either does."""

    version: int
    at: datetime
    sections: Mapping[bool, Mapping[str, str]]  # wall? → section → HTML


def _payloads(engine: Engine, table: str) -> list[dict[str, Any]]:
    return [
        json.loads(text)
        for (text,) in engine.query(
            "SELECT payload FROM rows WHERE table_name = ? AND kind <> 'delete'", [table]
        )
    ]


def _uuid7_floor(moment: datetime) -> str:
    """The smallest UUIDv7 text of ids made at ``moment`` or later: clerk states travel
    by such ids (time first), so today's are a range of the rows' key, not a scan."""
    h = f"{int(moment.timestamp() * 1000) & ((1 << 48) - 1):012x}"
    return f"{h[:8]}-{h[8:]}"


def queue_part(engine: Engine, now: datetime) -> QueuePart:
    day = now.date().isoformat()
    waiting = [
        json.loads(b)
        for (b,) in engine.query(
            "SELECT body FROM queue_tickets WHERE day = ? AND state = 'waiting'", [day]
        )
    ]
    marks = ",".join("?" for _ in CALL_KINDS)
    called = {
        str(category): int(n)
        for category, n in engine.query(
            "SELECT t.category, count(DISTINCT e.ticket_id) FROM queue_events e"
            " JOIN queue_tickets t ON t.id = e.ticket_id"
            f" WHERE e.day = ? AND e.kind IN ({marks}) GROUP BY t.category",
            [day, *CALL_KINDS],
        )
    }
    in_hand = [
        json.loads(b)
        for (b,) in engine.query(
            "SELECT body FROM queue_tickets WHERE day = ? AND state IN (?, ?)",
            [day, *AT_WINDOW_STATES],
        )
    ]
    windows = [
        str(w)
        for (w,) in engine.query(
            "SELECT DISTINCT window_no FROM devices WHERE revoked = 0 AND kind = 'window'"
        )
    ]
    midnight = datetime.combine(now.date(), datetime.min.time(), HALL_TZ)
    states = [
        json.loads(text)
        for (text,) in engine.query(
            "SELECT payload FROM rows WHERE table_name = 'clerk_states' AND row_id >= ?"
            " AND kind <> 'delete'",
            [_uuid7_floor(midnight - timedelta(hours=1))],  # a counter's clock a little slow
        )
    ]
    return QueuePart(
        queue_lines(_payloads(engine, "queue_categories"), waiting, called, now),
        window_lines(windows, in_hand, states, now.date()),
    )


def rows_part(rows: HallRows, settings: Settings, now: datetime) -> RowsPart:
    """The figures (the report's own computation, for today and this month) and the
    alerts, from one read of the synced rows."""
    share = float(settings["light_yellow_share"])
    followups = followup_alerts(rows.followups, now, share)
    return RowsPart(
        today=report_of(rows, Period.day(now.date()), Dimension.HALL, now),
        month=report_of(rows, Period.month(now.date()), Dimension.HALL, now),
        cases=case_alerts(rows.cases, now, rows.calendar, settings.working_hours, share),
        bad_reviews=followups[FollowUpKind.BAD_REVIEW],
        cannot_do=followups[FollowUpKind.CANNOT_DO],
    )


def _clock(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%m-%d %H:%M}"


class HallWatch:
    """The shared snapshot of one central process. :meth:`current` runs in a database
    thread; one caller at a time computes, the others get its result."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self._lock = threading.Lock()
        self._checked = -CHECK_S
        self._queue_cursors: tuple[int, int] | None = None
        self._change_cursor: int | None = None
        self._queue: QueuePart | None = None
        self._queue_at = 0.0
        self._rows: RowsPart | None = None
        self._rows_at = 0.0
        self._day = ""
        self._snapshot: Snapshot | None = None

    def current(self) -> Snapshot:
        with self._lock:
            moment = time.monotonic()
            if self._snapshot is not None and moment - self._checked < CHECK_S:
                return self._snapshot
            self._checked = moment
            engine = self.pages.engine
            now = self.pages.now()
            queue_cursor = int(engine.scalar("SELECT max(id) FROM queue_events") or 0)
            change_cursor = int(engine.scalar("SELECT max(cursor) FROM changes") or 0)
            new_day = now.date().isoformat() != self._day
            # The queue part reads the clerks' states from synced rows too: a change to
            # either cursor recomputes it (a few indexed reads).
            cursors = (queue_cursor, change_cursor)
            if (
                self._queue is None
                or new_day
                or cursors != self._queue_cursors
                or moment - self._queue_at >= QUEUE_EVERY_S
            ):
                self._queue = queue_part(engine, now)
                self._queue_cursors, self._queue_at = cursors, moment
            since = moment - self._rows_at
            if (
                self._rows is None
                or new_day
                or since >= ROWS_EVERY_S
                or (change_cursor != self._change_cursor and since >= ROWS_MIN_S)
            ):
                self._rows = rows_part(hall_rows(engine), published_settings(engine), now)
                self._change_cursor, self._rows_at = change_cursor, moment
            self._day = now.date().isoformat()
            sections = {wall: self.render(self._queue, self._rows, wall) for wall in (False, True)}
            old = self._snapshot
            if old is not None and old.sections == sections:
                return old
            self._snapshot = Snapshot((old.version + 1) if old else 1, now, sections)
            return self._snapshot

    def render(self, queue: QueuePart, rows: RowsPart, wall: bool) -> dict[str, str]:
        template = self.pages.templates.get_template("hall_sections.html")
        values = {
            "queue": queue,
            "rows": rows,
            "wall": wall,
            "limit": WALL_ROWS if wall else PAGE_ROWS,
            "clock": _clock,
            "headlines": headlines(rows.month),
            "good_rate": _COLUMN["好评率"](rows.month.total),
            "per_case": _COLUMN["件均材料"](rows.month.total),
            "naive": _COLUMN["简单相加"](rows.month.total),
            "yellow": sum(a.light is Light.YELLOW for a in rows.cases),
            "red": sum(a.light is Light.RED for a in rows.cases),
            "overdue": sum(a.overdue for a in rows.cases),
        }
        context = template.new_context(values)
        return {name: "".join(template.blocks[name](context)) for name in SECTIONS}


def _event(kind: str, data: Mapping[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def add_dashboard_routes(app: FastAPI, pages: Pages) -> None:
    watch = HallWatch(pages)

    @app.get("/hall", include_in_schema=False)
    async def hall_page(request: Request, wall: str = "") -> Response:
        staff = await signed_in(pages, request)
        if isinstance(staff, Response):
            return staff
        snapshot = await pages.in_thread(watch.current)
        on_wall = wall == "1"
        return pages.render(
            "hall.html", await pages.hall(), title=_TITLE, staff=staff, wall=on_wall,
            version=snapshot.version, at=f"{snapshot.at:%H:%M:%S}",
            sections=snapshot.sections[on_wall], names=SECTIONS,
        )  # fmt: skip

    async def still_signed_in(token: str) -> bool:
        found = await pages.in_thread(session_staff, pages.engine, token, pages.now_ms())
        return found is not None

    @app.get("/hall/stream", include_in_schema=False)
    async def hall_stream(
        request: Request,
        since: int = Query(0, ge=0, le=2**62),
        wall: str = "",
        limit: int = Query(10_000, ge=1, le=10_000),
    ) -> Response:
        """Server-sent events: ``hall`` with the sections whenever they differ from
        version ``since``, ``signed-out`` (then the end) when the session ends; at
        most ``limit`` updates, and :data:`STREAM_S`, per stream."""
        token = request.cookies.get(SESSION_COOKIE, "")
        if not await still_signed_in(token):
            refused = PlainTextResponse("请重新登录", status_code=401)
            guard(refused.headers)
            return refused
        on_wall = wall == "1"

        async def events() -> AsyncIterator[str]:
            known, sent = since, 0
            started = checked = quiet = time.monotonic()
            yield "retry: 3000\n\n"
            while True:
                snapshot = await pages.in_thread(watch.current)
                moment = time.monotonic()
                due_check = moment - checked >= SESSION_CHECK_S
                if snapshot.version != known or due_check:
                    checked = moment
                    if not await still_signed_in(token):
                        yield _event("signed-out", {"message": "请重新登录"})
                        return
                if snapshot.version != known:
                    known, sent, quiet = snapshot.version, sent + 1, moment
                    yield _event(
                        "hall",
                        {"version": known, "at": f"{snapshot.at:%H:%M:%S}",
                         "sections": snapshot.sections[on_wall]},
                    )  # fmt: skip
                    if sent >= limit:
                        return
                elif moment - quiet >= HEARTBEAT_S:
                    quiet = moment
                    yield ": heartbeat\n\n"
                if moment - started >= STREAM_S:
                    return
                await asyncio.sleep(POLL_S)

        answer = StreamingResponse(events(), media_type="text/event-stream")
        guard(answer.headers)
        answer.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold it back
        return answer
