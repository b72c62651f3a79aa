"""扫码看排队's rules (counter.model.queue_view): the link, the words, the estimate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from counter.model.clock import HALL_TZ
from counter.model.queue import Lane, QueueRules, Ticket, TicketState
from counter.model.queue_view import (
    OPEN_WINDOW_MINUTES,
    RECENT_TICKETS,
    Handled,
    estimate_minutes,
    handled,
    standing,
    view_link,
    wait_text,
)
from counter.model.settings import Settings

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=HALL_TZ)
TODAY = NOW.date()


def served(window: str, minutes: float, ended_ago: float = 5) -> Handled:
    finished = NOW - timedelta(minutes=ended_ago)
    return Handled(window, finished - timedelta(minutes=minutes), finished)


def test_the_estimate_is_the_median_handling_time_times_those_ahead_over_the_windows() -> None:
    done = [served("1", 8), served("2", 10), served("1", 12)]
    assert estimate_minutes(6, done, (), NOW) == 30  # 10 min × 6 ÷ 2 windows


def test_one_very_long_case_does_not_move_the_estimate() -> None:
    done = [served("1", 10), served("1", 10), served("1", 240)]
    assert estimate_minutes(3, done, (), NOW) == 30


def test_only_the_latest_finished_tickets_count() -> None:
    old = [served("1", 60, ended_ago=100 + n) for n in range(RECENT_TICKETS)]
    new = [served("1", 5, ended_ago=n) for n in range(RECENT_TICKETS)]
    assert estimate_minutes(2, old + new, (), NOW) == 10


def test_a_window_holding_a_ticket_now_counts_as_open_and_an_idle_one_does_not() -> None:
    long_ago = OPEN_WINDOW_MINUTES + 1
    done = [served("1", 10), served("2", 10, ended_ago=long_ago)]
    assert estimate_minutes(4, done, (), NOW) == 40  # window 2 went quiet
    assert estimate_minutes(4, done, ("2",), NOW) == 20  # ...and is serving again


def test_nothing_is_said_when_it_cannot_be_told() -> None:
    assert estimate_minutes(5, [], ("1",), NOW) is None  # nothing finished today
    stale = [served("1", 10, ended_ago=OPEN_WINDOW_MINUTES + 1)]
    assert estimate_minutes(5, stale, (), NOW) is None  # no window working it
    assert estimate_minutes(0, [served("1", 10)], (), NOW) is None  # next is the holder
    assert wait_text(None) == ""


def test_a_short_wait_is_at_least_a_minute() -> None:
    assert estimate_minutes(1, [served("1", 0.2)], ("1", "2", "3"), NOW) == 1
    assert wait_text(1) == "约 1 分钟"


def ticket(state: TicketState, **changes: object) -> Ticket:
    issued = Ticket.issued("A", 17, Lane.NORMAL, NOW - timedelta(hours=1))
    return replace(issued, state=state, **changes)  # type: ignore[arg-type]


def test_a_finished_tickets_handling_runs_from_its_start_or_its_last_call() -> None:
    called, started, ended = NOW - timedelta(minutes=20), NOW - timedelta(minutes=15), NOW
    done = ticket(TicketState.DONE, window="3", last_called_at=called, finished_at=ended)
    assert handled(done) == Handled("3", called, ended)
    assert handled(replace(done, started_at=started)) == Handled("3", started, ended)
    assert handled(replace(done, state=TicketState.SERVING)) is None


def test_each_state_in_the_holders_words() -> None:
    assert standing(ticket(TicketState.WAITING), TODAY).waiting
    turn = standing(ticket(TicketState.CALLED, window="5"), TODAY)
    assert turn.turn and turn.text == "请到 5 号窗口办理"
    assert standing(ticket(TicketState.SERVING, window="5"), TODAY).text == "正在 5 号窗口办理"
    assert "补材料" in standing(ticket(TicketState.HELD), TODAY).text
    assert standing(ticket(TicketState.DONE), TODAY).final
    missed = standing(ticket(TicketState.NO_SHOW), TODAY)
    assert missed.text.startswith("过号") and not missed.final  # it may be re-queued


def test_a_ticket_of_another_day_is_final_whatever_its_state() -> None:
    old = standing(ticket(TicketState.WAITING), date(2026, 11, 28))
    assert old.final and not old.waiting and "11月27日" in old.text


def test_the_link_joins_the_central_and_the_token_or_is_nothing() -> None:
    assert view_link("https://hall.example:8443/", "tok_en-1") == (
        "https://hall.example:8443/queue/tok_en-1"
    )
    assert view_link("", "tok") == "" and view_link("https://hall.example", "") == ""


def test_the_hall_may_point_the_slips_qr_at_its_public_front() -> None:
    """A central on the hall's own network: phones reach it through a public address."""
    public = "https://hcp.example.gov.cn/queue/{token}"
    assert view_link("https://10.0.0.5:8443", "tok", public) == (
        "https://hcp.example.gov.cn/queue/tok"
    )
    rules = QueueRules.from_settings(Settings({"queue_view_url": public}))
    assert rules.view_url == public
    assert QueueRules.from_settings(Settings()).view_url == "{central}/queue/{token}"
    assert view_link("https://hall.example", "tok", "") == ""  # the hall prints none
