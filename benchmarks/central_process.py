"""A throwaway central for the benchmarks: its database, and ``counter-central serve`` as
a process over loopback, as a hall runs it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

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
