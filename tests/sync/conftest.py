"""A real central in a subprocess on a loopback port (see sync_support)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sync_support import PG_ADMIN, Central, central_for


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"counter_sync_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    server = central_for(request.param, tmp_path, request)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    server = central_for("sqlite", tmp_path, request)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def two_process_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    """PostgreSQL served by two processes on one port (``serve --workers 2``)."""
    server = central_for("postgres", tmp_path, request, workers=2)
    server.start()
    yield server
    server.stop()
