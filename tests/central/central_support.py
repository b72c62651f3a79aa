"""Helpers for the central tests (imported by name: conftest modules share one name)."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

from counter.central.engine import Engine
from counter.central.postgres_engine import PostgresEngine
from counter.central.sqlite_engine import SqliteEngine
from counter.model.devices import DeviceKind

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "devices, enrol_codes, ops, rows, changes, queue_tickets, queue_numbers, queue_blocks,"
    " queue_events, queue_mirror, queue_requests, queue_waiting, web_sessions,"
    " web_signin_failures, booking_places, booking_settings, bookings, queue_links"
)


def fresh_engine(kind: str, tmp_path: Path, pg_dsn: str) -> Engine:
    if kind == "sqlite":
        engine: Engine = SqliteEngine(tmp_path / "central.db")
        engine.setup()
        return engine
    engine = PostgresEngine(pg_dsn)
    engine.setup()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")
    return engine


def now_ms() -> int:
    return int(time.time() * 1000)


def enrol(
    engine: Engine, device_id: str, kind: DeviceKind = DeviceKind.WINDOW, window: str = "1"
) -> str:
    """A device enrolled as ``kind`` (a window counter at window 1 unless told)."""
    window = window if kind.has_window else ""
    code = engine.create_enrol_code(now_ms(), kind, window)
    return engine.enrol(code, device_id, "", now_ms()).token


#: A kiosk's issue of a category-A ticket, as the queue tests send it.
QUEUE_ISSUE = {
    "category": "A",
    "category_name": "企业开办",
    "numbering": "2026-11-27",
    "lane": 2,
    "one_waiting_per_person": False,
    "at": "2026-11-27T09:00:00.000+08:00",
}
