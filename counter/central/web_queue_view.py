"""扫码看排队 (issue 31, point 4): ``GET /queue/<token>``, the page a kiosk slip's QR
opens on the holder's phone, and ``/queue/<token>.json``, its live twin.

The token is the ticket's capability, made when the central issued it
(:meth:`~counter.central.hall_queue.HallQueue.issue_linked`, ``queue_links``): a
ticket number or id is easy to guess, a token is not. An unknown token, a malformed one
and a rate-limited address get one neutral answer each, the same whatever was asked.
What is shown is decided by :mod:`counter.model.queue_view`; no name or ID number is
ever read into it.

Live, cheaply, for a hall's ~500 phones: one :class:`QueueFollower` per process wakes
on the queue's own wake (``app.state.queue_changed``, set by the queue's routes on a
write here or, through ``Engine.follow_queue``, in another process), reads the events
since the last it saw in one query, and notes for each category and ticket the last
event that touched it. A phone's long poll (``?after=<stamp>``) sleeps on the
follower, not on the database: it is answered as soon as an event touches its ticket
or its category, or after :data:`LONG_POLL_S` with the same view. An event of one
category wakes only the phones following that category to read anything. Without
script the page is the same view, with a 刷新 link.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from counter.central.engine import Engine
from counter.central.hall_queue import CALL_KINDS, HallQueue
from counter.central.web_pages import Pages, address, guard
from counter.log import queue as log
from counter.model.queue import Ticket, TicketState
from counter.model.queue_view import (
    VIEW_PATH,
    Handled,
    estimate_minutes,
    handled,
    standing,
    wait_text,
)
from counter.model.ticket_rows import ticket_from_row

_TITLE = "排队进度"
#: A token as HallQueue makes it (22 URL-safe characters); anything else is not looked up.
TOKEN = re.compile(r"^[0-9A-Za-z_-]{16,64}$")
NEUTRAL = "没有找到这张排队号：请核对小票上的二维码，或到导服台咨询"
TOO_FAST = "刷新太频繁，请稍候再看"
#: The longest a phone's long poll is held; it asks again right after.
LONG_POLL_S = 25.0
#: How often the follower reads the events even without a wake (a write it was not
#: told of: the central's CLI, another process on an engine that cannot tell).
BACKSTOP_S = 5.0
#: How long a category's finished tickets (the estimate's input) are reused.
ESTIMATE_SECONDS = 30.0
#: Tickets whose last event is remembered apart from their category's (a transfer
#: moves a ticket to another category: its phone must still wake).
TRACKED_TICKETS = 50_000
#: Events read per query by the follower.
EVENT_BATCH = 5000


@dataclass(frozen=True)
class QueueView:
    """What the page and its JSON twin show: nothing about the holder but the ticket."""

    number: str
    category: str
    state: str
    text: str
    turn: bool
    waiting: bool
    final: bool
    ahead: int | None
    calling: str
    wait: str
    stamp: int


class QueueFollower:
    """The last queue event per category and per ticket, read once per wake for every
    phone of this process (module docstring). A phone's stamp is the newest event id
    its view had seen: it waits until :meth:`stamp` passes it."""

    def __init__(self, engine: Engine, in_thread: Callable[..., Awaitable[Any]]) -> None:
        self.engine = engine
        self.in_thread = in_thread
        self.last: int | None = None
        self.by_category: dict[str, int] = {}
        self.by_ticket: OrderedDict[str, int] = OrderedDict()
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def stamp(self, ticket_id: str, category: str) -> int:
        """The id of the last event seen that touched the ticket or its category."""
        return max(self.by_category.get(category, 0), self.by_ticket.get(ticket_id, 0))

    def _newest(self) -> int:
        return int(self.engine.query("SELECT coalesce(max(id), 0) FROM queue_events")[0][0])

    def _read_after(self, after: int) -> list[tuple[int, str, str]]:
        rows = self.engine.query(
            "SELECT e.id, e.ticket_id, t.category FROM queue_events e JOIN queue_tickets t"
            " ON t.id = e.ticket_id WHERE e.id > ? ORDER BY e.id LIMIT ?",
            [after, EVENT_BATCH],
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def refresh(self) -> bool:
        """Read the events since the last seen (from the newest, the first time: the
        phones' views read the rest); True when there were any."""
        if self.last is None:
            self.last = await self.in_thread(self._newest)
            return False
        seen = False
        while rows := await self.in_thread(self._read_after, self.last):
            seen = True
            for event_id, ticket_id, category in rows:
                self.by_category[category] = event_id
                self.by_ticket.pop(ticket_id, None)
                self.by_ticket[ticket_id] = event_id
            while len(self.by_ticket) > TRACKED_TICKETS:
                self.by_ticket.popitem(last=False)
            self.last = rows[-1][0]
            if len(rows) < EVENT_BATCH:
                break
        return seen

    async def _follow(self, queue_changed: Callable[[], asyncio.Event] | None) -> None:
        while True:
            wake = queue_changed() if queue_changed else None  # before reading: no miss
            try:
                if await self.refresh():
                    old, self.changed = self.changed, asyncio.Event()
                    old.set()
            except Exception:  # read again on the next wake; the phones keep waiting
                log.exception("the queue view could not read the queue's events")
            try:
                if wake is None:
                    await asyncio.sleep(BACKSTOP_S)
                else:
                    await asyncio.wait_for(wake.wait(), timeout=BACKSTOP_S)
            except TimeoutError:
                pass
            except RuntimeError:  # the queue's wake belongs to another loop (tests)
                await asyncio.sleep(BACKSTOP_S)

    def start(self, app: FastAPI) -> None:
        """Follow on this event loop (again, if the loop it followed on is gone); the
        task is made before anything is awaited, so two first requests make one."""
        loop = asyncio.get_running_loop()
        if self._task is not None and self._loop is loop and not self._task.done():
            return
        self.changed = asyncio.Event()
        self._loop = loop
        self._task = loop.create_task(self._follow(getattr(app.state, "queue_changed", None)))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def wait(self, ticket_id: str, category: str, after: int, seconds: float) -> None:
        """Until an event after ``after`` touched the ticket or its category, or
        ``seconds`` passed."""
        deadline = time.monotonic() + seconds
        while self.stamp(ticket_id, category) <= after:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=left)
            except TimeoutError:
                return
            except RuntimeError:  # bound to a loop that is gone: answer as it is
                return


@dataclass(frozen=True)
class _Category:
    """A category's slow-moving facts: its name and the estimate's input, read for the
    first phone that needs them and reused by the others for a while."""

    stamp: int
    name: str
    done: tuple[Handled, ...]
    busy: frozenset[str]
    read_at: float


class CategoryFacts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._facts: dict[tuple[date, str], _Category] = {}
        self._calling: dict[tuple[date, str], tuple[int, str]] = {}
        self._first: dict[date, int] = {}
        self._lock = threading.Lock()

    def get(self, day: date, category: str, stamp: int) -> _Category:
        """Called in a database thread: read again every :data:`ESTIMATE_SECONDS`, or
        at the queue's next event while nothing of the category is finished yet (the
        morning's first estimate is not held back half a minute)."""
        with self._lock:
            now = time.monotonic()
            old = self._facts.get((day, category))
            if (
                old is not None
                and now - old.read_at < ESTIMATE_SECONDS
                and (old.done or old.stamp >= stamp)
            ):
                return old
            done, busy = self._handled(day, category)
            fresh = _Category(stamp, self._name(category), done, busy, now)
            if len(self._facts) > 1000:
                self._facts.clear()
            self._facts[(day, category)] = fresh
            return fresh

    def _name(self, code: str) -> str:
        rows = self.engine.query(
            "SELECT payload FROM rows WHERE table_name = 'queue_categories' AND row_id = ?"
            " AND kind <> 'delete'",
            [code],
        )
        return str(json.loads(rows[0][0]).get("name", "")) if rows else ""

    def calling(self, day: date, category: str, stamp: int) -> str:
        """The ticket of the category called last today (its latest call: a recall
        counts), as "A017（3 号窗口）"; "" before the first call. Read again only when
        the queue has had an event since (``stamp``, the newest event id): every phone
        of the category woken by one event gets the one read."""
        with self._lock:
            kept = self._calling.get((day, category))
        if kept is not None and kept[0] == stamp:
            return kept[1]
        first = self._first_event(day)
        kinds = ",".join("?" for _ in CALL_KINDS)
        # From today's first event by id and no day in the WHERE, so the planner walks
        # the events back from the newest (a few rows to the category's last call)
        # rather than sorting the day's thousands by their day index.
        rows = [] if first is None else self.engine.query(
            "SELECT t.number, e.at_window, e.day FROM queue_events e JOIN queue_tickets t"
            f" ON t.id = e.ticket_id WHERE e.id >= ? AND e.kind IN ({kinds})"
            " AND t.category = ? ORDER BY e.id DESC LIMIT 1",
            [first, *CALL_KINDS, category],
        )  # fmt: skip
        found = rows and rows[0][2] == day.isoformat()
        text = f"{rows[0][0]}（{rows[0][1]} 号窗口）" if found else ""
        with self._lock:
            if len(self._calling) > 1000:
                self._calling.clear()
            self._calling[(day, category)] = (stamp, text)
        return text

    def _first_event(self, day: date) -> int | None:
        """The id of the day's first queue event (kept once there is one)."""
        with self._lock:
            if day in self._first:
                return self._first[day]
        found = self.engine.query("SELECT min(id) FROM queue_events WHERE day = ?",
                                  [day.isoformat()])[0][0]  # fmt: skip
        if found is None:
            return None
        with self._lock:
            self._first = {day: int(found)}
        return int(found)

    def _handled(self, day: date, category: str) -> tuple[tuple[Handled, ...], frozenset[str]]:
        rows = self.engine.query(
            "SELECT body FROM queue_tickets WHERE day = ? AND state IN ('done', 'called',"
            " 'serving') AND category = ?",
            [day.isoformat(), category],
        )
        tickets = [ticket_from_row(json.loads(r[0])) for r in rows]
        done = tuple(h for t in tickets if (h := handled(t)) is not None)
        busy = frozenset(t.window for t in tickets if t.state is not TicketState.DONE)
        return done, busy


def find_ticket(engine: Engine, token: str) -> tuple[Ticket, str] | None:
    """The ticket a token names, and the category name the kiosk issued it under."""
    rows = engine.query(
        "SELECT t.body, l.category_name FROM queue_links l JOIN queue_tickets t"
        " ON t.id = l.ticket_id WHERE l.token = ?",
        [token],
    )
    if not rows:
        return None
    return ticket_from_row(json.loads(rows[0][0])), str(rows[0][1])


def add_queue_view_routes(app: FastAPI, pages: Pages) -> None:
    engine = pages.engine
    hall = HallQueue(engine)
    follower = QueueFollower(engine, pages.in_thread)
    facts = CategoryFacts(engine)

    async def start() -> None:
        follower.start(app)

    app.router.on_startup.append(start)
    app.router.on_shutdown.append(follower.stop)

    def view_of(token: str) -> QueueView | None:
        """In a database thread: the ticket's view now."""
        # Read first, so the view shows at least every event up to it: the phone asks
        # again "after" it, and an event of its own after it answers at once.
        stamp = int(engine.query("SELECT coalesce(max(id), 0) FROM queue_events")[0][0])
        found = find_ticket(engine, token)
        if found is None:
            return None
        ticket, issued_name = found
        now = pages.now()
        said = standing(ticket, now.date())
        shared = facts.get(ticket.day, ticket.category, stamp)
        ahead = hall.place(ticket) if said.waiting else None
        minutes = None if ahead is None else estimate_minutes(ahead, shared.done, shared.busy, now)
        # The kiosk's name for the category, unless the ticket was moved to another one.
        name = shared.name or (issued_name if ticket.number[0] == ticket.category else "")
        view = QueueView(
            number=ticket.number,
            category=name or ticket.category,
            state=ticket.state.value,
            text=said.text,
            turn=said.turn,
            waiting=said.waiting,
            final=said.final,
            ahead=ahead,
            calling=facts.calling(ticket.day, ticket.category, stamp),
            wait=wait_text(minutes),
            stamp=stamp,
        )
        return view

    async def allowed(request: Request, token: str) -> bool | None:
        """False for an address over its budget (before any lookup), None for what is
        no token at all; True to go on."""
        if not pages.limiter.allow("queue:" + address(request)):
            return False
        if not TOKEN.match(token):
            return None
        follower.start(app)
        return True

    @app.get(VIEW_PATH + "{token}.json", include_in_schema=False)
    async def queue_view_json(
        request: Request,
        token: str,
        after: int = Query(-1, ge=-1, le=2**63 - 1),
    ) -> Response:
        """The view now; with ``after`` (the stamp of the view the phone shows), once
        an event after it touched the ticket or its category, or after LONG_POLL_S."""
        go_on = await allowed(request, token)
        if go_on is False:
            answer = _json({"error": "too_fast", "message": TOO_FAST}, 429)
            answer.headers["Retry-After"] = "5"
            return answer
        if go_on and after >= 0:
            found = await pages.in_thread(find_ticket, engine, token)
            ticket = found[0] if found else None
            if ticket is not None and not standing(ticket, pages.today()).final:
                await follower.wait(ticket.id, ticket.category, after, LONG_POLL_S)
        view = await pages.in_thread(view_of, token) if go_on else None
        if view is None:
            return _json({"error": "not_found", "message": NEUTRAL}, 404)
        return _json(asdict(view))

    @app.get(VIEW_PATH + "{token}", include_in_schema=False, response_class=HTMLResponse)
    async def queue_view_page(request: Request, token: str) -> Response:
        go_on = await allowed(request, token)
        view = await pages.in_thread(view_of, token) if go_on else None
        hall_facts = await pages.hall()
        if go_on is False:
            return pages.render("queue_view_none.html", hall_facts, 429, title=_TITLE,
                                message=TOO_FAST)  # fmt: skip
        if view is None:
            return pages.render("queue_view_none.html", hall_facts, 404, title=_TITLE,
                                message=NEUTRAL)  # fmt: skip
        return pages.render("queue_view.html", hall_facts, title=_TITLE, v=view, token=token)


def _json(body: dict[str, Any], status: int = 200) -> JSONResponse:
    answer = JSONResponse(body, status_code=status)
    guard(answer.headers)
    return answer
