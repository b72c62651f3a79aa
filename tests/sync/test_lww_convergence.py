"""Found by the soak: a counter that overwrites a row it has pulled, with a clock a little
behind the writer it pulled from, loses last-writer-wins at the central and must then
take the winner back, not keep its own value for ever."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlite_utils import Database

from counter.central.app import create_app
from counter.central.sqlite_engine import SqliteEngine
from counter.model.clock import HALL_TZ
from counter.store import holidays, outbox
from counter.store.db import open_store
from counter.sync.client import SyncClient
from counter.sync.transport import Response
from tests.hall import as_supervisor, publish_hall_staff

DAY = date(2031, 3, 3)
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


class InProcess:
    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, *, body: Any = None, params: Any = None) -> Response:
        answer = self.client.request(method, path, json=body, params=params, headers=self.headers)
        return Response(answer.status_code, answer.json())


def counter(path: Path, engine: SqliteEngine, http: TestClient, at: list[datetime]) -> SyncClient:
    db = open_store(path)
    device = outbox.ensure_device(db, T0)
    token = engine.enrol(engine.create_enrol_code(0), device, "", 0).token
    as_supervisor(db)  # the holiday table changes with the supervisor's signature
    return SyncClient(db, InProcess(http, token), clock=lambda: at[0])


def kind_of(db: Database) -> str:
    row = db.execute("SELECT kind FROM holidays WHERE day = ?", [DAY.isoformat()]).fetchone()
    return row[0] if row else ""


def test_a_counter_that_loses_last_writer_wins_takes_the_winner(tmp_path: Path) -> None:
    engine = SqliteEngine(tmp_path / "central.db")
    engine.setup()
    publish_hall_staff(engine, int(T0.timestamp() * 1000))
    a_clock, b_clock = [T0], [T0]
    with TestClient(create_app(engine, clock_ms=lambda: int(T0.timestamp() * 1000))) as http:
        a = counter(tmp_path / "a.db", engine, http, a_clock)
        b = counter(tmp_path / "b.db", engine, http, b_clock)
        holidays.set_day(b.db, DAY, "holiday", "B", b_clock[0])
        b.step()
        a.step()
        assert kind_of(a.db) == "holiday"
        a_clock[0] = T0 - timedelta(milliseconds=5)  # A's clock runs a little behind B's
        holidays.set_day(a.db, DAY, "workday", "A", a_clock[0])
        a.step()
        a.step()
        b.step()
        assert kind_of(a.db) == kind_of(b.db)
