"""电子监察: what the hall's supervisors and leaders watch live, from plain rows.

The central's dashboard (``/hall``) shows the queue per category, every window's state,
the cases whose light is yellow or red, and the open 差评 follow-ups and 办不成事
entries. Each part is computed here from rows with the counters' own column names (the
central's queue tables and its synced ``rows``), with the same rules the counters use:
a case's light is :func:`~counter.model.deadlines.case_light` on the deadlines
:func:`~counter.model.deadlines.case_deadlines` gives, as on a window's 办件 list; a
follow-up's deadline is :attr:`FollowUp.next_due`, sorted as the supervisor's list sorts
them. The month's figures are not here: they are the statistics' own
(:mod:`counter.model.statistics`), computed by the central's report.

Personal data is masked: an applicant's or complainant's name as the call board and the
disclosure rules cut it (:func:`~counter.model.identity.mask_name`); no ID number or
phone is carried at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from counter.model.cases import CaseState
from counter.model.deadlines import Light, case_deadlines, case_light, decision_start
from counter.model.followups import (
    FollowUp,
    FollowUpKind,
    FollowUpState,
    sort_for_supervisor,
)
from counter.model.identity import mask_name
from counter.model.queue import ClerkState
from counter.model.workdays import HolidayCalendar, WorkingHours

#: A window with nobody at it today (no clerk state recorded, no ticket in hand).
AWAY = "离开"
#: The follow-ups the dashboard lists (issue 31): 差评整改 and the 办不成事 register.
WATCHED_KINDS = (FollowUpKind.BAD_REVIEW, FollowUpKind.CANNOT_DO)
#: Tickets a window holds: called and not yet finished or put aside.
AT_WINDOW_STATES = ("called", "serving")


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


# --- the queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLine:
    """One category of the hall's queue now."""

    code: str
    name: str
    waiting: int
    longest_wait_min: int | None  # the longest a waiting ticket has waited, whole minutes
    called: int  # tickets of the category called today


def queue_lines(
    categories: Iterable[Mapping[str, Any]],
    waiting: Iterable[Mapping[str, Any]],
    called: Mapping[str, int],
    now: datetime,
) -> tuple[QueueLine, ...]:
    """Per category: the ``waiting`` tickets' rows counted and the oldest timed, and
    ``called`` (tickets called today per category). Active categories are listed even
    with nobody waiting; a category only the tickets name is listed by its code."""
    names: dict[str, str] = {}
    order: dict[str, tuple[int, str]] = {}
    for c in categories:
        if int(c.get("active", 1) or 0):
            names[str(c["code"])] = str(c.get("name") or c["code"])
            order[str(c["code"])] = (int(c.get("sort") or 0), str(c["code"]))
    counts: dict[str, int] = {}
    oldest: dict[str, datetime] = {}
    for t in waiting:
        code = str(t["category"])
        counts[code] = counts.get(code, 0) + 1
        issued = _time(t.get("issued_at"))
        if issued is not None and (code not in oldest or issued < oldest[code]):
            oldest[code] = issued
    codes = set(names) | set(counts) | {c for c, n in called.items() if n}
    lines = []
    for code in sorted(codes, key=lambda c: order.get(c, (1 << 30, c))):
        since = oldest.get(code)
        wait = None if since is None else max(int((now - since).total_seconds() // 60), 0)
        lines.append(
            QueueLine(code, names.get(code, code), counts.get(code, 0), wait, called.get(code, 0))
        )
    return tuple(lines)


# --- the windows -----------------------------------------------------------------------


@dataclass(frozen=True)
class WindowLine:
    window: str
    state: str  # 办理中 / 空闲 / 暂停服务 / 离开
    clerk: str
    ticket: str  # the number in hand, if any
    busy: bool

    @property
    def tone(self) -> str:
        """How the screen marks it (beside the words, never instead of them)."""
        if self.busy:
            return "busy"
        if self.state == AWAY:
            return "away"
        return "break" if self.state == ClerkState.BREAK.label else "idle"


def _window_key(window: str) -> tuple[int, int, str]:
    return (0, int(window), "") if window.isdigit() else (1, 0, window)


def window_lines(
    windows: Iterable[str],
    in_hand: Iterable[Mapping[str, Any]],
    clerk_states: Iterable[Mapping[str, Any]],
    today: date,
) -> tuple[WindowLine, ...]:
    """Each window's state now: a ticket in hand (``in_hand``: the day's tickets called
    or being served) makes it 办理中; else its clerk's last state today
    (``clerk_states`` rows as the windows sync them); no state today is 离开.
    ``windows`` are the hall's enrolled window counters; a window only a state or a
    ticket names is listed too."""
    last: dict[str, Mapping[str, Any]] = {}
    for row in sorted(
        (r for r in clerk_states if str(r.get("day", "")) == today.isoformat()),
        key=lambda r: (str(r.get("at", "")), str(r.get("uid", ""))),
    ):
        last[str(row.get("window") or "")] = row
    held: dict[str, Mapping[str, Any]] = {}
    for t in in_hand:
        if t.get("state") in AT_WINDOW_STATES and t.get("window"):
            held[str(t["window"])] = t
    found = {w for w in windows if w} | {w for w in last if w} | set(held)
    lines = []
    for window in sorted(found, key=_window_key):
        state = last.get(window)
        ticket = held.get(window)
        clerk = str((ticket or {}).get("clerk_name") or (state or {}).get("staff_name") or "")
        if ticket is not None:
            label, busy = ClerkState.SERVING.label, True
        elif state is None:
            label, busy = AWAY, False
        else:
            try:
                now_state = ClerkState(str(state.get("state")))
            except ValueError:
                now_state = ClerkState.IDLE
            # Serving with no ticket in hand: the ticket was finished or put aside.
            label = (ClerkState.IDLE if now_state is ClerkState.SERVING else now_state).label
            busy = False
        lines.append(
            WindowLine(window, label, clerk, str((ticket or {}).get("number") or ""), busy)
        )
    return tuple(lines)


# --- cases near or past their deadline ---------------------------------------------------


@dataclass(frozen=True)
class CaseAlert:
    """A case whose light is yellow or red, as the dashboard lists it."""

    number: str
    item: str
    applicant: str  # masked
    window: str
    clerk: str
    due: datetime
    light: Light
    overdue: bool  # past the deadline its light watches (the promise, or the extension)
    past_legal: bool  # past the legal limit as well
    lapsed: bool  # a 容缺 promise ran out

    @property
    def kind(self) -> str:
        if self.past_legal:
            return "超法定时限"
        if self.overdue:
            return "超期"
        if self.lapsed:
            return "容缺承诺逾期"
        return "即将到期"


def case_alert(
    row: Mapping[str, Any],
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
    yellow_share: float,
    parent_lapsed: bool = False,
) -> CaseAlert | None:
    """The case's alert, or None when its light is green, it has no deadline yet, or it
    is closed. The deadlines and the light are the counter's (CasesService.row): a
    case deemed accepted (Art. 32) already runs from receipt; a 容缺 promise that
    lapsed turns an open case red."""
    state = CaseState(str(row["state"]))
    if state.closed or not row.get("item_code"):
        return None  # a bundle's parent carries no deadline of its own
    accepted = _time(row.get("accepted_at"))
    received = _time(row.get("received_at")) or accepted
    if received is None:
        return None
    start = accepted
    if start is None and state in (CaseState.DRAFT, CaseState.SUPPLEMENT):
        begin, deemed = decision_start(
            received,
            _time(row.get("notice_at")),
            bool(row.get("deemed_accepted")),
            now,
            calendar,
            hours,
        )
        start = begin if deemed else None
    if start is None:
        return None
    deadlines = case_deadlines(
        start,
        promised_days=float(row.get("promised_days") or 0),
        legal_days=float(row.get("legal_days") or 0),
        extension_days=int(row.get("extension_days") or 0),
        paused_days=int(row.get("paused_days") or 0),
        paused_since=_time(row.get("paused_at")),
        now=now,
        calendar=calendar,
        hours=hours,
    )
    due = deadlines.target.due
    light = case_light(accepted or received, due, now, calendar, hours, yellow_share)
    lapsed = bool(row.get("rongque")) and (bool(row.get("promise_lapsed_on")) or parent_lapsed)
    if lapsed:
        light = Light.RED
    if light is Light.GREEN:
        return None
    return CaseAlert(
        number=str(row.get("number") or ""),
        item=str(row.get("title") or row.get("item_code") or ""),
        applicant=mask_name(str(row.get("applicant_name") or "")),
        window=str(row.get("window") or ""),
        clerk=str(row.get("clerk_name") or ""),
        due=due,
        light=light,
        overdue=now > due,
        past_legal=now > deadlines.legal.due,
        lapsed=lapsed,
    )


def case_alerts(
    cases: Iterable[Mapping[str, Any]],
    now: datetime,
    calendar: HolidayCalendar,
    hours: WorkingHours,
    yellow_share: float,
) -> tuple[CaseAlert, ...]:
    """Every open case in yellow or red: red first, then the nearest deadline first."""
    rows = list(cases)
    lapsed_parents = {
        str(r["id"]) for r in rows if r.get("promise_lapsed_on") and not r.get("parent_id")
    }
    found = [
        alert
        for r in rows
        if (
            alert := case_alert(
                r, now, calendar, hours, yellow_share, str(r.get("parent_id")) in lapsed_parents
            )
        )
        is not None
    ]
    return tuple(sorted(found, key=lambda a: (a.light is not Light.RED, a.due, a.number)))


# --- follow-ups ------------------------------------------------------------------------


def _list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return tuple(str(v) for v in json.loads(value or "[]"))


def followup_of(row: Mapping[str, Any]) -> FollowUp:
    """A follow-up from its synced row (the counter's ``followups`` columns)."""
    opened = datetime.fromisoformat(str(row["opened_at"]))
    return FollowUp(
        id=str(row["id"]),
        kind=FollowUpKind(str(row["kind"])),
        state=FollowUpState(str(row["state"])),
        opened_at=opened,
        who=str(row.get("who") or ""),
        contact="",  # never shown on the dashboard
        matter=str(row.get("matter") or ""),
        items=_list(row.get("items")),
        why=str(row.get("why") or ""),
        handler=str(row.get("handler") or ""),
        first_due=_time(row.get("first_due")),
        final_due=_time(row.get("final_due")) or opened,
        first_done_at=_time(row.get("first_done_at")),
        closed_at=_time(row.get("closed_at")),
        window=str(row.get("window") or ""),
        clerk_id=str(row.get("clerk_id") or ""),
        clerk_name=str(row.get("clerk_name") or ""),
        department=str(row.get("department") or ""),
    )


@dataclass(frozen=True)
class FollowUpAlert:
    """An open 差评 follow-up or 办不成事 entry, as the dashboard lists it."""

    kind: FollowUpKind
    state: str
    who: str  # masked
    matter: str
    items: str
    window: str
    clerk: str
    handler: str
    due: datetime | None  # the deadline that matters now (call back, then fix)
    overdue: bool
    light: Light | None


def followup_alerts(
    rows: Iterable[Mapping[str, Any]], now: datetime, yellow_share: float
) -> dict[FollowUpKind, tuple[FollowUpAlert, ...]]:
    """The open follow-ups of each watched kind, ordered as the supervisor's list orders
    them (the nearest deadline that matters now first)."""
    open_ones = []
    for row in rows:
        try:
            followup = followup_of(row)
        except (KeyError, ValueError):
            continue  # a row of a kind or state this version does not know
        if followup.kind in WATCHED_KINDS and not followup.state.closed:
            open_ones.append(followup)
    found: dict[FollowUpKind, list[FollowUpAlert]] = {kind: [] for kind in WATCHED_KINDS}
    for f in sort_for_supervisor(open_ones):
        found[f.kind].append(
            FollowUpAlert(
                kind=f.kind,
                state=f.state.value,
                who=mask_name(f.who),
                matter=f.matter,
                items="、".join(f.items),
                window=f.window,
                clerk=f.clerk_name,
                handler=f.handler,
                due=f.next_due,
                overdue=f.overdue(now),
                light=f.light(now, yellow_share),
            )
        )
    return {kind: tuple(alerts) for kind, alerts in found.items()}
