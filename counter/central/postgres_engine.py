"""The central store on PostgreSQL (psycopg 3), for a hall or a city.

Connections are opened per request: the counters' traffic is a push or pull every
few seconds each, and a fresh loopback connection costs a few milliseconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg

from counter.central.engine import CHANGES_POSTGRES, SCHEMA, Engine

# One key for the change-log writer lock; any constant unique to Counter will do.
CHANGE_LOG_LOCK = 0x436F756E746572


class PostgresEngine(Engine):
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn)

    def setup(self) -> None:
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
            for statement in (*SCHEMA.split(";\n"), CHANGES_POSTGRES):
                if statement.strip():
                    conn.execute(statement)

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s")

    @contextlib.contextmanager
    def _write(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._connect() as conn, conn.cursor() as cur:
            # Held to commit: change-log cursors are taken and made visible in order.
            if self._serialise_writers:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOG_LOCK])
            yield cur

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._connect() as conn, conn.cursor() as cur:
            yield cur
