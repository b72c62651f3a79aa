"""扫码看排队 (issue 31, point 4): what the phone of a ticket's holder is shown.

The kiosk slip's QR opens ``<central>/queue/<token>``: the ticket's number and
category, its state in words, how many wait ahead of it, the number being called for
its category and, when it can be told, about how long the wait is. No name or ID
number is ever part of it: whoever picks up a dropped slip learns a queue place.

The estimate is deliberately plain: the median handling time of the category's last
:data:`RECENT_TICKETS` tickets finished today, times the tickets ahead, divided by the
windows working the category now. A median, not a mean: one case that took an hour
(a complicated filing, a clerk's break with the ticket still open) does not double
everyone's estimate. With nothing finished yet today, or no window seen working the
category within :data:`OPEN_WINDOW_MINUTES`, nothing is said rather than a guess.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter.model.links import QUEUE_VIEW_URL, fill_link
from counter.model.queue import Ticket, TicketState

#: The path of a ticket's queue view on the central (the token follows).
VIEW_PATH = "/queue/"
#: How many of the category's latest finished tickets the handling time is taken from.
RECENT_TICKETS = 20
#: A window that finished one of the category's tickets this recently counts as open.
OPEN_WINDOW_MINUTES = 30


def view_link(central_url: str, token: str, template: str = QUEUE_VIEW_URL) -> str:
    """The slip's QR (:func:`counter.model.links.fill_link`): "" without a token or a
    central (a standalone counter, or a central too old to make tokens)."""
    if not token:
        return ""
    return fill_link(template, central=central_url, token=token)


@dataclass(frozen=True)
class Handled:
    """One ticket of the category finished today: at which window, from when the
    window took it (started, else its last call) until it was finished."""

    window: str
    began: datetime
    finished: datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.finished - self.began).total_seconds())


def handled(ticket: Ticket) -> Handled | None:
    """The handling of a finished ticket, None for any other (or one missing its times)."""
    began = ticket.started_at or ticket.last_called_at
    if ticket.state is not TicketState.DONE or began is None or ticket.finished_at is None:
        return None
    return Handled(ticket.window, began, ticket.finished_at)


def estimate_minutes(
    ahead: int, done: Sequence[Handled], busy_windows: Collection[str], now: datetime
) -> int | None:
    """About how many minutes until ``ahead`` tickets are served (module docstring);
    None when it cannot be told, or when nobody is ahead (next is the holder)."""
    if ahead <= 0 or not done:
        return None
    latest = sorted(done, key=lambda h: h.finished)[-RECENT_TICKETS:]
    since = now - timedelta(minutes=OPEN_WINDOW_MINUTES)
    windows = {h.window for h in done if h.finished >= since} | set(busy_windows)
    windows.discard("")
    if not windows:
        return None
    median = statistics.median(h.seconds for h in latest)
    return max(1, math.ceil(median * ahead / len(windows) / 60))


def wait_text(minutes: int | None) -> str:
    return "" if minutes is None else f"约 {minutes} 分钟"


@dataclass(frozen=True)
class Standing:
    """A ticket's state as its holder reads it: the words; whether it is the holder's
    turn now (the page says so loudly and the phone may vibrate); whether it waits (its
    place is shown); and whether it is final (done, or not today's: nothing will change,
    so the page stops following; a 过号 may still be re-queued or called)."""

    text: str
    turn: bool = False
    waiting: bool = False
    final: bool = False


def standing(ticket: Ticket, today: date) -> Standing:
    """What the holder of ``ticket`` is told of it today."""
    state = ticket.state
    if ticket.day != today and state is not TicketState.DONE:
        return Standing(f"此号是 {ticket.day:%m月%d日} 的号，今天已不能使用", final=True)
    if state is TicketState.WAITING:
        return Standing("等候中", waiting=True)
    if state is TicketState.CALLED:
        return Standing(f"请到 {ticket.window} 号窗口办理", turn=True)
    if state is TicketState.SERVING:
        return Standing(f"正在 {ticket.window} 号窗口办理")
    if state is TicketState.HELD:
        return Standing("暂停办理（补材料）：请按窗口工作人员的提示办理")
    if state is TicketState.DONE:
        return Standing("已办理", final=True)
    return Standing("过号：请到导服台重新排队")  # NO_SHOW
