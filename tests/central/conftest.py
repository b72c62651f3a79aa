"""Central fixtures: every engine test runs on SQLite and on a real PostgreSQL.

The PostgreSQL database is made for this test session and dropped after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from central_support import enrol, fresh_engine
from fastapi.testclient import TestClient

from counter.central.app import create_app
from counter.central.engine import Engine
from counter.sync.tables import register
from tests.hall import allow_probe
from tests.postgres import scratch_database

# The tests' own shared table: any device may write it, with nobody signed in.
register("sync_probe")
allow_probe()


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    with scratch_database("counter_central_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    made = fresh_engine(request.param, tmp_path, request.getfixturevalue("pg_dsn"))
    yield made
    made.close()  # idle pooled connections: PostgreSQL's slots are shared


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, rate_per_second=1000, rate_burst=1000)) as test_client:
        yield test_client


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {enrol(engine, 'dev-a')}"}
