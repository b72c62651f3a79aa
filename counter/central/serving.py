"""How ``counter-central serve`` runs: the store its ``--db`` names, the app each serving
process runs, and on PostgreSQL several such processes on one port.

Several, because a process's Python runs on one core at a time (the interpreter lock):
with twenty windows calling at once, the central's Python was what their calls queued
for. Each process binds the port itself with ``SO_REUSEPORT``, so the kernel shares the
windows' connections out among them. A socket shared by all (uvicorn's ``--workers``)
went to whichever process woke first, which took every connection then waiting: in the
queue benchmark one window served 791 tickets flat out and another 106, the busier
process's windows waiting their turn. The kernel's share is by hash, not by load (two
processes got 14 and 6 of twenty windows, or 11 and 9), but a window keeps its process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter.central.engine import Engine
from counter.central.postgres_engine import PostgresEngine
from counter.central.sqlite_engine import SqliteEngine

if TYPE_CHECKING:
    from fastapi import FastAPI

POSTGRES_URLS = ("postgresql://", "postgres://")

log = logging.getLogger(__name__)


def open_engine(url: str, pool_size: int = 4) -> Engine:
    if url.startswith("sqlite:///"):
        engine: Engine = SqliteEngine(Path(url.removeprefix("sqlite:///")))
    elif url.startswith(POSTGRES_URLS):
        engine = PostgresEngine(url, pool_size)
    else:
        raise SystemExit(f"--db 不认识：{url}（应为 sqlite:///路径 或 postgresql://…）")
    engine.setup()
    return engine


@dataclass(frozen=True)
class Serving:
    """What each serving process needs to make its app: ``uvicorn`` takes the rest."""

    db: str
    pool: int
    rate: float
    threads: int

    def app(self) -> FastAPI:
        """The app, its start-up heap frozen out of the collector: the 85,000 objects
        of FastAPI, pydantic and psycopg live as long as the process, and each full
        collection walked them all, 27-46 ms in which no request moved (with twenty
        windows calling at once, a whole round's p99); frozen, one takes 2 ms."""
        from counter.central.app import create_app

        app = create_app(
            open_engine(self.db, self.pool),
            rate_per_second=self.rate,
            rate_burst=max(200, int(self.rate * 4)),
            worker_threads=self.threads,
        )
        gc.collect()
        gc.freeze()
        return app


def serve(serving: Serving, options: dict[str, Any], processes: int = 1) -> None:
    """Serve until SIGTERM or Ctrl+C; ``options`` are uvicorn's: host and port, TLS and the rest."""
    import uvicorn

    if processes == 1:
        uvicorn.run(serving.app(), **options)
        return
    _listen(options, reuse_port=False).close()  # the port is free: not shared by mistake
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_serve_one, args=(serving, options), daemon=False)
        process.start()
        return process

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for process in running:
            if process.is_alive() and signum != signal.SIGINT:  # Ctrl+C reached them too
                process.terminate()

    running = [start() for _ in range(processes)]
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    while not stopping:
        wait([p.sentinel for p in running], timeout=1.0)
        for i, process in enumerate(running):
            if not process.is_alive() and not stopping:
                log.error("serving process %s ended (%s); starting another",
                          process.pid, process.exitcode)  # fmt: skip
                time.sleep(1.0)
                running[i] = start()
    for process in running:
        process.join(10)
        if process.is_alive():
            process.kill()


def _listen(options: dict[str, Any], *, reuse_port: bool) -> socket.socket:
    host, port = options["host"], int(options["port"])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say so, and with it on every answer waited 40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"无法监听 {host}:{port}：{exc}") from None
    return sock


def _serve_one(serving: Serving, options: dict[str, Any]) -> None:
    """One serving process, on a socket of its own bound to the shared port, that ends
    when the process that started it does: killed outright (SIGKILL, out of memory),
    that one cannot stop it, and a stray server would hold the port for the next start."""
    import uvicorn

    parent = multiprocessing.parent_process()
    if parent is not None:

        def end_with_parent() -> None:
            parent.join()
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=end_with_parent, name="central-parent", daemon=True).start()
    sock = _listen(options, reuse_port=True)
    config = uvicorn.Config(serving.app(), **options)
    uvicorn.Server(config).run(sockets=[sock])
