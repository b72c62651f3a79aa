"""The retry policy and outbox rules of the sync client, against a scripted central."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from sqlite_utils import Database

from counter.store import holidays, outbox
from counter.sync.client import SyncClient, backoff_delay, read_status
from counter.sync.transport import Response, TransportError


class Scripted:
    """Answers from a list; ``None`` stands for a lost connection."""

    def __init__(self, answers: list[Response | None]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, Any]] = []

    def request(self, method: str, path: str, *, body=None, params=None) -> Response:
        self.calls.append((method, path, body))
        answer = self.answers.pop(0)
        if answer is None:
            raise TransportError("connection refused")
        return answer


def ack_all(body: dict[str, Any]) -> Response:
    return Response(
        200,
        {
            "acked": [op["op_id"] for op in body["ops"]],
            "refused": [],
            "next_expected_seq": body["ops"][-1]["seq"] + 1,
        },
    )


@pytest.fixture
def local(db: Database, now) -> Database:
    holidays.set_day(db, date(2031, 1, 5), "holiday", "测试", now)
    return db


def client(db: Database, transport: Scripted, now, **kwargs) -> SyncClient:
    delays: list[float] = []
    made = SyncClient(
        db, transport, clock=lambda: now, sleep=delays.append, rng=random.Random(1), **kwargs
    )
    made.delays = delays  # type: ignore[attr-defined]
    return made


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_retryable_status_is_retried_with_backoff(local: Database, now, status: int) -> None:
    pending = outbox.pending(local)
    body = {"ops": [{"op_id": op.op_id, "seq": op.seq} for op in pending]}
    transport = Scripted([Response(status, {}), Response(status, {}), None, ack_all(body)])
    sync = client(local, transport, now, max_attempts=6)
    assert sync.push() == len(pending)
    assert len(transport.calls) == 4
    assert len(sync.delays) == 3
    assert outbox.pending_count(local) == 0


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_client_errors_are_never_retried(local: Database, now, status: int) -> None:
    transport = Scripted([Response(status, {"reason": "不行"})])
    result = client(local, transport, now).step()
    assert len(transport.calls) == 1
    assert result.error == "不行"
    assert read_status(local).blocked
    assert outbox.pending_count(local) == 1


def test_conflict_on_one_op_marks_it_refused_and_keeps_it(local: Database, now) -> None:
    op = outbox.pending(local)[0]
    transport = Scripted(
        [Response(409, {"code": "hash_mismatch", "reason": "不同", "op_id": op.op_id})]
    )
    client(local, transport, now).push()
    assert len(transport.calls) == 1
    assert [(o.op_id, o.refused_reason) for o in outbox.refused(local)] == [
        (op.op_id, "[hash_mismatch] 不同")
    ]


def test_refused_ops_are_kept_with_their_reason(local: Database, now) -> None:
    op = outbox.pending(local)[0]
    refusal = {"op_id": op.op_id, "code": "clock_ahead", "reason": "时钟快"}
    answer = Response(200, {"acked": [], "refused": [refusal], "next_expected_seq": op.seq + 1})
    client(local, Scripted([answer]), now).push()
    kept = outbox.refused(local)
    assert kept[0].refused_reason == "[clock_ahead] 时钟快"


def test_unacked_ops_stay_in_the_outbox(local: Database, now) -> None:
    op = outbox.pending(local)[0]
    answer = Response(200, {"acked": [], "refused": [], "next_expected_seq": op.seq})
    client(local, Scripted([answer]), now).push()
    assert outbox.pending_count(local) == 1


def test_network_down_reports_offline_after_the_attempts(local: Database, now) -> None:
    transport = Scripted([None, None, None])
    result = client(local, transport, now, max_attempts=3).step()
    assert not result.online
    assert outbox.pending_count(local) == 1
    assert read_status(local).last_error.startswith("中心无法连接")


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(3)
    worst = [max(backoff_delay(n, rng, 0.5, 8.0) for _ in range(200)) for n in range(8)]
    assert worst[0] <= 0.5 and worst[3] <= 4.0 and max(worst) <= 8.0
    assert worst[3] > worst[0]
