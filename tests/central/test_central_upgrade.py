"""A central made before devices had kinds and rows had owners starts on the new code:
its columns are added once, and each row's owner is the device that first wrote it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from central_support import TABLES

from counter.central.engine import Engine
from counter.central.postgres_engine import PostgresEngine
from counter.central.sqlite_engine import SqliteEngine
from counter.model.devices import DeviceKind

OLD_SCHEMA = (
    "CREATE TABLE devices (device_id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',"
    " token_hash TEXT UNIQUE, revoked INTEGER NOT NULL DEFAULT 0,"
    " next_seq BIGINT NOT NULL DEFAULT 1, enrolled_at BIGINT NOT NULL)",
    "CREATE TABLE enrol_codes (code_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL, used_by TEXT)",
    "CREATE TABLE ops (op_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq BIGINT NOT NULL,"
    " table_name TEXT NOT NULL, row_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " payload TEXT NOT NULL, hlc TEXT NOT NULL, schema_version INTEGER NOT NULL,"
    " hash TEXT NOT NULL, state TEXT NOT NULL, code TEXT, reason TEXT,"
    " received_at BIGINT NOT NULL, UNIQUE (device_id, seq))",
    "CREATE TABLE rows (table_name TEXT NOT NULL, row_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " payload TEXT NOT NULL, hlc TEXT NOT NULL, PRIMARY KEY (table_name, row_id))",
    "INSERT INTO devices (device_id, token_hash, enrolled_at) VALUES ('old-pc', 'h', 1)",
    "INSERT INTO ops VALUES ('op-1', 'old-pc', 1, 'cases', 'c1', 'upsert', '{}',"
    " '000000000000001-000000', 9, 'x', 'applied', NULL, NULL, 1)",
    "INSERT INTO rows VALUES ('cases', 'c1', 'upsert', '{}', '000000000000001-000000')",
    "INSERT INTO rows VALUES ('staff', 's1', 'upsert', '{}', '000000000000001-000000')",
)


def old_central(kind: str, tmp_path: Path, pg_dsn: str) -> Engine:
    if kind == "sqlite":
        import sqlite3

        path = tmp_path / "central.db"
        with sqlite3.connect(path) as conn:
            for statement in OLD_SCHEMA:
                conn.execute(statement)
        return SqliteEngine(path)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLES}, central_meta")  # from before versions
        for statement in OLD_SCHEMA:
            conn.execute(statement)
    return PostgresEngine(pg_dsn)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_old_central_gains_kinds_and_owners_once(kind: str, tmp_path: Path, pg_dsn: str) -> None:
    engine = old_central(kind, tmp_path, pg_dsn)
    engine.setup()
    engine.setup()  # a second start finds nothing to add
    try:
        owners = dict(engine.query("SELECT row_id, owner FROM rows ORDER BY row_id"))
        assert owners == {"c1": "old-pc", "s1": "central"}
        (listed,) = engine.devices()
        assert listed.kind is DeviceKind.WINDOW and listed.window == ""
    finally:
        engine.close()
