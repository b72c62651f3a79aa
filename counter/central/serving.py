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

On PostgreSQL one more process copies queue events into the change log. In a serving
process the copy held a database thread and a share of the interpreter for good when
windows called flat out (about 24 events a pass, 45 ms each, pass after pass), and their
calls waited behind it. On this two-core machine, one serving process and twenty windows
calling flat out answered 267-302 call-next pairs a second (p99 53-77 ms) with the copy
inside, 303-331 (p99 56-60 ms) with it beside: a modest gain, steadier.

Every process logs to the console as uvicorn always did and to one rotating file
(``logs/central.log`` beside a SQLite central's file, the platform's log folder for
PostgreSQL, or ``--log-dir``): uvicorn's start, stop and error lines, every traceback
of a failed request, and what the central's own loggers say. The access lines (one a
request) stay on the console: in the file they would rotate a day's errors out within
the hour.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import logging
import logging.config
import multiprocessing
import os
import shutil
import signal
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import platformdirs
import psycopg

from counter.central.about import About
from counter.central.engine import Engine
from counter.central.metrics import MULTIPROC_ENV
from counter.central.migrations import (
    NotInitialised,
    SchemaError,
    SchemaTooNew,
    SchemaTooOld,
    latest,
)
from counter.central.postgres_engine import PostgresEngine
from counter.central.sqlite_engine import SqliteEngine
from counter.central.web import WEB_RATE

if TYPE_CHECKING:
    from fastapi import FastAPI

POSTGRES_URLS = ("postgresql://", "postgres://")
LOG_FILE = "central.log"
#: Megabytes a log file grows to before it rotates (counter.log's default).
LOG_MAX_MB = 2
#: With the process id: on PostgreSQL several processes write the one file.
LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"

log = logging.getLogger(__name__)


def default_log_dir(db_url: str) -> Path:
    """Beside a SQLite central's file (``logs/``, backed up and found with it, as its
    ``tls/`` is); for PostgreSQL, which has no folder here, the platform's log folder."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url.removeprefix("sqlite:///")).absolute().parent / "logs"
    return platformdirs.user_log_path("counter-central", appauthor=False)


def logging_config(log_file: str | None, log_max_mb: int = LOG_MAX_MB) -> dict[str, Any]:
    """uvicorn's own logging, so the console reads as it always did, plus the rotating
    file (counter.log.rotating_handler: 5 old files of ``log_max_mb``) on uvicorn's logger and on
    the root one, where the central's own loggers go. Applied once per process by
    :func:`configure_logging`; uvicorn is then told not to configure it again.

    On PostgreSQL the serving processes share the file and each rotates it when it
    finds it full: after one process rotates, another writes on into the file just
    renamed until it rotates in turn. Lines may land in an older file, and the oldest
    file may go a little early; that is the price of one file for the whole central."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["plain"] = {"format": LOG_FORMAT}
    config["handlers"]["console"] = {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["console"], "level": "INFO"}
    if log_file:
        config["handlers"]["file"] = {
            "()": "counter.log.rotating_handler",
            "path": log_file,
            "fmt": LOG_FORMAT,
            "max_bytes": log_max_mb * 1024 * 1024,
        }
        config["loggers"]["uvicorn"]["handlers"].append("file")
        config["root"]["handlers"].append("file")
    return config


def configure_logging(log_file: str | None, log_max_mb: int = LOG_MAX_MB) -> None:
    """Console and file for this process (each spawned process calls it again). A log
    folder that cannot be made does not keep the hall's central from starting: it
    logs to the console, and says so there."""
    try:
        logging.config.dictConfig(logging_config(log_file, log_max_mb))
    except ValueError as exc:  # dictConfig's word for a handler it could not make
        if log_file is None:
            raise
        logging.config.dictConfig(logging_config(None))
        log.error("no log file at %s (%s): logging to the console only", log_file, exc)


def _without_password(url: str) -> str:
    """A PostgreSQL address as it may be logged: the password taken out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def engine_for(url: str, pool_size: int = 4) -> Engine:
    """The engine for ``url``, nothing opened or made yet."""
    if url.startswith("sqlite:///"):
        return SqliteEngine(Path(url.removeprefix("sqlite:///")))
    if url.startswith(POSTGRES_URLS):
        return PostgresEngine(url, pool_size)
    raise SystemExit(f"--db 不认识：{url}（应为 sqlite:///路径 或 postgresql://…）")


def open_engine(url: str, pool_size: int = 4) -> Engine:
    """The store, made or migrated to this code's version as it opens: for the tests,
    the benchmarks and other library callers. The commands use :func:`open_central`,
    which makes nothing."""
    engine = engine_for(url, pool_size)
    engine.setup()
    return engine


class DatabaseUnreachable(SchemaError):
    """The store could not be opened or read at all."""


def store_version(url: str, pool_size: int = 1) -> tuple[Engine, int | None]:
    """The engine and its store's schema version, without making anything: a SQLite
    file that does not exist is not created (None: no central there)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return engine_for(url, pool_size), None
    engine = engine_for(url, pool_size)
    try:
        return engine, engine.schema_version()
    except (sqlite3.Error, psycopg.Error) as exc:
        engine.close()
        raise DatabaseUnreachable(
            f"无法读取中心数据库 {_without_password(url)}：{str(exc).strip()}"
        ) from None


def open_central(url: str, pool_size: int = 4, hint: str = "") -> tuple[Engine, int]:
    """The central's store as every command but ``init``, ``migrate``, ``backup`` and
    ``restore`` needs it: initialised, and at exactly this code's schema version; else
    refused with what to do (``hint``: the options to repeat in the advice)."""
    engine, found = store_version(url, pool_size)
    try:
        check_schema(found, url, hint)
    except SchemaError:
        engine.close()
        raise
    return engine, found  # type: ignore[return-value]  # check_schema refused None


def check_schema(found: int | None, url: str, hint: str = "") -> None:
    if found is None:
        raise NotInitialised(
            f"{_without_password(url)} 中没有中心数据（未初始化）。新建中心请运行 "
            "counter-central init；已有中心请用 --data-dir 或 --db 指明它的数据（"
            "在别的文件夹里运行命令不会再悄悄新建一个空的中心）"
        )
    if found > latest():
        raise SchemaTooNew(found, latest())
    if found < latest():
        raise SchemaTooOld(found, latest(), hint)


@dataclass(frozen=True)
class Serving:
    """What each serving process needs to make its app: ``uvicorn`` takes the rest."""

    db: str
    pool: int
    rate: float
    threads: int
    #: Whether this process copies queue events into the change log (HallQueue.mirror);
    #: on PostgreSQL a process of its own does, beside the serving ones.
    mirror: bool = True
    #: The CA certificate counters pin, served at ``GET /v1/ca.pem``; None on plain HTTP.
    ca_pem: bytes | None = None
    #: Writes a second per device (a push, a queue action); None: create_app's default,
    #: a fifth of ``rate``.
    write_rate: float | None = None
    web_rate: float = WEB_RATE
    #: The rotating log file every process writes (:func:`configure_logging`); None: the
    #: console only.
    log_file: str | None = None
    #: The size each log file rotates at (``serve --log-max-mb``).
    log_max_mb: int = LOG_MAX_MB
    #: Lets a Prometheus elsewhere than this machine read ``/metrics`` (counter.central.metrics).
    metrics_token: str | None = None
    #: Version, data folder and schema version: the start-up line, /v1/health, /metrics.
    about: About | None = None

    @property
    def on_postgres(self) -> bool:
        return self.db.startswith(POSTGRES_URLS)

    def app(self) -> FastAPI:
        """The app, its start-up heap frozen out of the collector: the 85,000 objects
        of FastAPI, pydantic and psycopg live as long as the process, and each full
        collection walked them all, 27-46 ms in which no request moved (with twenty
        windows calling at once, a whole round's p99); frozen, one takes 2 ms."""
        from counter.central.app import create_app

        engine, _ = open_central(self.db, self.pool)  # checked, never migrated here
        app = create_app(
            engine,
            rate_per_second=self.rate,
            rate_burst=max(200, int(self.rate * 4)),
            write_rate_per_second=self.write_rate,
            web_rate=self.web_rate,
            worker_threads=self.threads,
            mirror=self.mirror,
            ca_pem=self.ca_pem,
            metrics_token=self.metrics_token,
            about=self.about,
        )
        gc.collect()
        gc.freeze()
        return app


def serve(serving: Serving, options: dict[str, Any], processes: int = 1) -> None:
    """Serve until SIGTERM or Ctrl+C; ``options`` are uvicorn's: host and port, TLS and the rest.

    On SQLite, this process serves (its one writer copies queue events too); on
    PostgreSQL it starts ``processes`` serving processes and the copying one, and
    starts again any that ends."""
    import uvicorn

    configure_logging(serving.log_file, serving.log_max_mb)
    options = {**options, "log_config": None}  # configured above, file included
    about = serving.about or About()
    scheme = "https" if options.get("ssl_certfile") else "http"
    log.info(
        "counter-central serve: %s:%s, store %s (%s, schema %s), version %s, data %s,"
        " %s://%s:%s, %d serving process(es), log %s",
        options.get("host"),
        options.get("port"),
        _without_password(serving.db),
        "PostgreSQL" if serving.on_postgres else "SQLite",
        about.schema_version,
        about.version,
        about.data_dir or "-",
        scheme,
        options.get("host"),
        options.get("port"),
        processes if serving.on_postgres else 1,
        serving.log_file or "console only",
    )
    if not serving.on_postgres:
        try:
            uvicorn.run(serving.app(), **options)
        finally:
            log.info("counter-central serve: stopped")
        return
    _listen(options, reuse_port=False).close()  # the port is free: not shared by mistake
    made_metrics_dir = _multiprocess_metrics()
    try:
        _supervise(serving, options, processes)
    finally:
        if made_metrics_dir is not None:
            shutil.rmtree(made_metrics_dir, ignore_errors=True)


def _multiprocess_metrics() -> Path | None:
    """prometheus-client's multiprocess mode for the processes about to be spawned
    (they inherit the variable and read it when they first import it): each writes its
    counts to files there and a scrape adds them up (counter.central.metrics). A folder
    the environment names already is used as it is; one made here is returned, to be
    removed at stop, since counts of processes long gone would be added in otherwise."""
    if os.environ.get(MULTIPROC_ENV):
        return None
    _remove_orphaned_metrics()
    made = Path(tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-"))
    os.environ[MULTIPROC_ENV] = str(made)
    return made


METRICS_PREFIX = "counter-central-metrics-"


def _remove_orphaned_metrics() -> None:
    """The folders of centrals killed outright (SIGKILL, out of memory), which could
    not remove their own: named with the supervising process's id, removed once it is
    gone, so they do not pile up in the temporary folder."""
    for folder in Path(tempfile.gettempdir()).glob(f"{METRICS_PREFIX}*"):
        pid = folder.name.removeprefix(METRICS_PREFIX).partition("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's


def _supervise(serving: Serving, options: dict[str, Any], processes: int) -> None:
    context = multiprocessing.get_context("spawn")
    serving = replace(serving, mirror=False)
    jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
        *[(_serve_one, (serving, options))] * processes,
        (_mirror_forever, (serving.db, serving.log_file, serving.log_max_mb)),
    ]
    stopping = False

    def start(i: int) -> multiprocessing.process.BaseProcess:
        target, args = jobs[i]
        process = context.Process(target=target, args=args, daemon=False)
        process.start()
        return process

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for process in running:
            if process.is_alive() and signum != signal.SIGINT:  # Ctrl+C reached them too
                process.terminate()

    running = [start(i) for i in range(len(jobs))]
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    while not stopping:
        wait([p.sentinel for p in running], timeout=1.0)
        for i, process in enumerate(running):
            if not process.is_alive() and not stopping:
                log.error("%s process %s ended (%s); starting another",
                          jobs[i][0].__name__, process.pid, process.exitcode)  # fmt: skip
                _forget_metrics_of(process.pid)
                time.sleep(1.0)
                running[i] = start(i)
    for process in running:
        process.join(10)
        if process.is_alive():
            process.kill()
    log.info("counter-central serve: stopped")


def _forget_metrics_of(pid: int | None) -> None:
    """A dead process's live gauges leave the sum (its counts stay: they happened)."""
    if pid is None or not os.environ.get(MULTIPROC_ENV):
        return
    from prometheus_client import multiprocess

    with contextlib.suppress(OSError):
        multiprocess.mark_process_dead(pid)


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
    """One serving process, on a socket of its own bound to the shared port."""
    import uvicorn

    _belong_to_parent("central-serve")
    configure_logging(serving.log_file, serving.log_max_mb)
    sock = _listen(options, reuse_port=True)
    config = uvicorn.Config(serving.app(), **options)
    uvicorn.Server(config).run(sockets=[sock])


def _mirror_forever(db: str, log_file: str | None = None, log_max_mb: int = LOG_MAX_MB) -> None:
    """Copy queue events into rows and the change log until told to stop: a full batch
    is copied again at once (a busy hall's second can hold more), a short one waits
    MIRROR_EVERY_S, so the copy trails the queue by about a second. It also forgets
    the answers the queue keeps for retries once they are a day old."""
    from counter.central.hall_queue import MIRROR_BATCH, HallQueue
    from counter.central.queue_api import MIRROR_EVERY_S

    _belong_to_parent("central-copy")
    configure_logging(log_file, log_max_mb)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stopped.set())
    hall = HallQueue(open_central(db, pool_size=1)[0])
    while not stopped.is_set():
        try:
            while hall.mirror(int(time.time() * 1000), MIRROR_BATCH) >= MIRROR_BATCH:
                if stopped.is_set():
                    return
            hall.forget_answers(int(time.time() * 1000))  # the answers kept for retries
        except Exception:  # a failed copy is retried on the next tick
            log.exception("copying queue events into the change log failed")
        stopped.wait(MIRROR_EVERY_S)


def _belong_to_parent(name: str) -> None:
    """Named for ``ps`` and ``top`` (the name a process shows there, up to 15 bytes),
    and ended when the process that started it ends: killed outright (SIGKILL, out of
    memory), that one cannot stop it, and a stray server would hold the port for the
    next start, a stray copier copy beside the next one."""
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def end_with_parent() -> None:
        parent.join()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=end_with_parent, name="central-parent", daemon=True).start()
