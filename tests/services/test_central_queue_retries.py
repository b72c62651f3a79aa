"""How the counter resends a queue action whose answer did not come: the same request id
on every try, a few quick tries, then the offline queue; reads and refusals are not
resent. Against a scripted central; tests/sync/test_queue_lost_answers.py plays the
same on a real one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, NotFoundError
from counter.model.queue import Lane, Ticket, TicketState
from counter.model.ticket_rows import ticket_row
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.central_queue import ACTION_ATTEMPTS, ACTION_BUDGET_S, CentralQueue
from counter.services.session import Session, sign_in
from counter.sync.queue_protocol import REQUEST_ID_HEADER
from counter.sync.transport import Response, TransportError


class Scripted:
    """Answers from a list, ``None`` standing for an answer lost; records every try."""

    def __init__(self, answers: list[Response | None], clock: list[float] | None = None) -> None:
        self.answers = answers
        self.tries: list[tuple[str, str, str | None]] = []
        self.clock = clock

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        self.tries.append((method, path, (headers or {}).get(REQUEST_ID_HEADER)))
        if self.clock is not None:
            self.clock[0] += 2.0  # each try waits out a 2-second timeout
        answer = self.answers.pop(0)
        if answer is None:
            raise TransportError("injected: answer lost")
        return answer


def called(now: datetime, seq: int = 1) -> Response:
    ticket = replace(Ticket.issued("A", seq, Lane.NORMAL, now), state=TicketState.CALLED,
                     window="1", last_called_at=now, call_count=1)  # fmt: skip
    return Response(200, {"ticket": ticket_row(ticket, now)})


def queue_over(db: Database, transport: Scripted, clock: list[float] | None = None) -> CentralQueue:
    pauses: list[float] = []
    made = CentralQueue(db, transport, hands_over=False, sleep=pauses.append,
                        monotonic=(lambda: clock[0]) if clock else lambda: 0.0)  # fmt: skip
    made.pauses = pauses  # type: ignore[attr-defined]
    return made


@pytest.fixture
def clerk(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "1", now)


def test_an_action_is_sent_again_with_its_request_id_until_an_answer_comes(
    db: Database, clerk: Session, now: datetime
) -> None:
    transport = Scripted([None, None, called(now)])
    queue = queue_over(db, transport)
    assert queue.call_next(clerk, now).number == "A001"
    ids = {request_id for _, _, request_id in transport.tries}
    assert len(transport.tries) == ACTION_ATTEMPTS == 3 and len(ids) == 1 and None not in ids
    assert len(queue.pauses) == 2 and queue.online  # type: ignore[attr-defined]


def test_each_action_has_a_request_id_of_its_own(
    db: Database, clerk: Session, now: datetime
) -> None:
    transport = Scripted([called(now), called(now)])
    queue = queue_over(db, transport)
    ticket = queue.call_next(clerk, now)
    queue.recall(clerk, ticket.id, now)
    first, second = (request_id for _, _, request_id in transport.tries)
    assert first and second and first != second


def test_an_action_whose_every_answer_is_lost_goes_to_the_offline_queue(
    db: Database, clerk: Session, now: datetime
) -> None:
    transport = Scripted([None] * ACTION_ATTEMPTS)
    queue = queue_over(db, transport)
    with pytest.raises(NotFoundError, match="没有等候的号"):  # the offline queue's own
        queue.call_next(clerk, now)
    assert len(transport.tries) == ACTION_ATTEMPTS and not queue.online


def test_no_further_try_once_an_action_has_waited_its_budget(
    db: Database, clerk: Session, now: datetime
) -> None:
    """On a dead network each try waits out the timeout: the clerk is not kept waiting
    past ACTION_BUDGET_S for tries that cannot succeed."""
    clock = [100.0]
    transport = Scripted([None] * ACTION_ATTEMPTS, clock)
    queue = queue_over(db, transport, clock)
    with pytest.raises(NotFoundError):
        queue.call_next(clerk, now)
    assert ACTION_BUDGET_S < 2 * 2.0
    assert len(transport.tries) == 2  # a third would start 4 s after the first


def test_a_reading_without_an_answer_is_not_sent_again(db: Database, now: datetime) -> None:
    transport = Scripted([None])
    queue = queue_over(db, transport)
    assert queue.tickets_today(now) == []  # the offline queue's (empty) day
    assert transport.tries == [("GET", "/v1/queue/tickets", None)]


def test_a_refusal_is_the_answer_and_is_not_sent_again(
    db: Database, clerk: Session, now: datetime
) -> None:
    refusal = {
        "error": "not_allowed",
        "reason": "请先办结、过号、挂起或转移当前的 A001 号，再叫下一位",
    }
    transport = Scripted([Response(409, refusal)])
    with pytest.raises(NotAllowedError, match="当前的 A001 号"):
        queue_over(db, transport).call_next(clerk, now)
    assert len(transport.tries) == 1
