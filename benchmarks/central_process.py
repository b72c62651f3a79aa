"""A throwaway central for the benchmarks: its database, and ``counter-central serve`` as
a process over loopback, as a hall runs it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg

if TYPE_CHECKING:
    from counter.central.engine import Engine

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_db(kind: str, folder: Path) -> tuple[str, str | None]:
    """The central's ``--db`` URL, and the PostgreSQL database made for it (to drop)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'central.db'}", None
    name = f"counter_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def drop_db(name: str | None) -> None:
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_central(url: str, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    """``counter-central serve`` on a free port; returns once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "counter.central.cli", "serve", "--db", url,
         "--port", str(port), "--insecure-http", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{base}/v1/health", timeout=0.5)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("central did not start")


@contextmanager
def central(kind: str, folder: Path) -> Iterator[tuple[Engine, str]]:
    """A central of ``kind`` (sqlite, postgres) serving from ``folder``: its engine and
    address while the block runs; stopped and its database dropped after."""
    from counter.central.serving import open_engine

    url, dbname = make_db(kind, folder)
    engine = open_engine(url)
    process, base = start_central(url)
    try:
        yield engine, base
    finally:
        process.terminate()
        process.wait()
        engine.close()
        drop_db(dbname)
