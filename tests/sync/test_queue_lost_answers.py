"""Queue actions whose answers are lost on the way back, on a real central process
(SQLite and PostgreSQL): the central acted, the counter saw no answer (issue 25).

Before request ids, 24-25 of 60 tickets were called on the board while the clerk's
screen showed nothing until the next press. Now the counter resends the action with the
same ``Idempotency-Key`` and the central answers it with what it did: the clerk's screen
shows the called ticket within the same press, and nothing is called, finished or
issued twice. The tests count what happened (answers lost, tries, events on the
central), never how long anything took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sync_support import Central, seeded_counter, token

from counter.model.devices import DeviceKind
from counter.model.queue import TicketState
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import CentralQueue
from counter.services.session import sign_in
from counter.sync.queue_protocol import REQUEST_ID_HEADER
from counter.sync.transport import HttpTransport, Response, Transport, TransportError

CALL_NEXT, ACT, ISSUE, BLOCKS = (
    "/v1/queue/call-next",
    "/v1/queue/act",
    "/v1/queue/issue",
    "/v1/queue/blocks",
)


class LosesAnswers:
    """A proxy that passes every request on to the central and, on the paths given,
    loses the answer to the first ``lost`` tries of each action (told apart by its
    request id): raised as no answer, or answered ``status`` as a failing gateway would."""

    def __init__(
        self, inner: Transport, paths: set[str], *, lost: int = 1, status: int | None = None
    ) -> None:
        self.inner = inner
        self.paths = paths
        self.lost = lost
        self.status = status
        #: Tries seen per (path, request id) on the paths that lose answers.
        self.tries: Counter[tuple[str, str]] = Counter()
        self.dropped = 0

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        answer = self.inner.request(method, path, body=body, params=params, headers=headers)
        if path not in self.paths:
            return answer
        key = (path, (headers or {}).get(REQUEST_ID_HEADER, ""))
        self.tries[key] += 1
        if self.tries[key] > self.lost:
            return answer
        self.dropped += 1
        if self.status is not None:
            return Response(self.status, {"reason": "bad gateway"})
        raise TransportError("injected: the central answered, the answer was lost")

    def actions(self, path: str) -> int:
        return sum(1 for p, _ in self.tries if p == path)


def over(db: Database, central: Central, transport: Transport | None = None) -> CentralQueue:
    """The counter's queue, through ``transport`` (wrapping its own) if given; its
    pauses between tries are skipped."""
    http = HttpTransport(central.url, token(db), timeout=10.0)
    return CentralQueue(db, transport or http, sleep=lambda s: None)


def proxied(db: Database, central: Central, paths: set[str], **loss: Any) -> LosesAnswers:
    return LosesAnswers(HttpTransport(central.url, token(db), timeout=10.0), paths, **loss)


def events(central: Central, kind: str) -> Counter[str]:
    """How many ``kind`` events each ticket has on the central."""
    rows = central.engine.query("SELECT ticket_id FROM queue_events WHERE kind = ?", [kind])
    return Counter(r[0] for r in rows)


def test_calls_and_finishes_whose_answers_are_lost_show_the_called_ticket_at_once(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    """Sixty tickets through a proxy that loses the first answer to every call and every
    finish: each call shows on the clerk's screen the ticket the board shows, in the same
    press, and every ticket is called once and served once, in the order issued."""
    kiosk = over(seeded_counter(seeded_template, tmp_path / "kiosk.db", central,
                                kind=DeviceKind.KIOSK), central)  # fmt: skip
    issued = [kiosk.issue("A", now + timedelta(seconds=n)).ticket for n in range(60)]
    db = seeded_counter(seeded_template, tmp_path / "w1.db", central, window="1")
    proxy = proxied(db, central, {CALL_NEXT, ACT})
    window = over(db, central, proxy)
    session = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    called = []
    for n in range(60):
        at = now + timedelta(minutes=1 + n)
        ticket = window.call_next(session, at)
        on_screen = [t.number for t in window.at_window("1", at)]
        # The board lists the day's earlier calls too; the newest is the one shown large.
        on_board = [c.number for c in kiosk.board(at).calls if c.window == "1"][:1]
        assert on_screen == on_board == [ticket.number]
        done = window.finish(session, ticket.id, ["咨询"], at + timedelta(seconds=30))
        assert done.id == ticket.id and done.state is TicketState.DONE
        called.append(ticket.number)
    assert proxy.dropped == 120  # every call's and every finish's first answer
    assert proxy.actions(CALL_NEXT) == proxy.actions(ACT) == 60
    assert set(proxy.tries.values()) == {2}  # each action: one lost answer, one retry
    assert called == [t.number for t in issued]  # none skipped, none twice
    assert sorted(events(central, "call_next").values()) == [1] * 60
    assert sorted(events(central, "finish").values()) == [1] * 60
    states = central.engine.query("SELECT state, count(*) FROM queue_tickets GROUP BY state")
    assert states == [("done", 60)]
    assert window.online  # no action fell back to the offline queue


def test_a_kiosk_issue_whose_answers_are_lost_twice_issues_one_number(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    """Twenty presses of the kiosk's button, each answer lost twice (and the offline
    blocks' reservations too): the third try brings back the number the central issued,
    and no press makes a second ticket, nor a reservation a second block."""
    db = seeded_counter(seeded_template, tmp_path / "kiosk.db", central, kind=DeviceKind.KIOSK)
    proxy = proxied(db, central, {ISSUE, BLOCKS}, lost=2)
    kiosk = over(db, central, proxy)
    numbers = [kiosk.issue("A", now + timedelta(seconds=n)).ticket.number for n in range(20)]
    categories = len(kiosk.categories())  # a block set aside for each, after the first issue
    assert proxy.actions(ISSUE) == 20 and proxy.actions(BLOCKS) == categories
    assert proxy.dropped == 2 * (20 + categories) and set(proxy.tries.values()) == {3}
    on_central = [r[0] for r in central.engine.query("SELECT number FROM queue_tickets")]
    assert sorted(on_central) == sorted(numbers) and len(set(numbers)) == 20
    assert sorted(events(central, "issue").values()) == [1] * 20
    held = "SELECT category, first_seq, last_seq FROM queue_blocks ORDER BY category"
    assert central.engine.query(held) == [tuple(r) for r in db.execute(held).fetchall()]
    assert kiosk.online


def test_a_call_answered_by_a_failing_gateway_is_retried_with_its_request_id(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    """A 502 after the central committed (a proxy that lost the upstream answer) is
    retried like no answer at all: the retry gets the ticket already called."""
    kiosk = over(seeded_counter(seeded_template, tmp_path / "kiosk.db", central,
                                kind=DeviceKind.KIOSK), central)  # fmt: skip
    first = kiosk.issue("A", now).ticket
    kiosk.issue("A", now)
    db = seeded_counter(seeded_template, tmp_path / "w1.db", central, window="1")
    proxy = proxied(db, central, {CALL_NEXT}, status=502)
    window = over(db, central, proxy)
    ticket = window.call_next(sign_in(db, "lina", DEMO_PASSWORD, "1", now), now)
    assert ticket.number == first.number
    assert proxy.dropped == 1 and list(proxy.tries.values()) == [2]
    assert sum(events(central, "call_next").values()) == 1
