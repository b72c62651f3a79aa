"""Helpers for the sync tests: a real central process, and counters that talk to it.

Imported by name (conftest modules all share one name)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlite_utils import Database

from counter.central.engine import Engine
from counter.central.serving import open_engine
from counter.model.clock import HALL_TZ
from counter.model.devices import DeviceKind
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    MaterialStatus,
    initial_states,
    set_status,
)
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest, IntakeResult, IntakeService
from counter.services.session import sign_in
from counter.store import outbox
from counter.store.db import immediate, open_store
from counter.sync.client import SyncClient, enrol, transport_for
from counter.sync.pinning import code_with_fingerprint
from counter.sync.tables import register
from counter.sync.transport import Transport
from tests.hall import allow_probe, as_supervisor, publish_hall_staff

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LAUNCHER = Path(__file__).with_name("central_server.py")
PROBE_DDL = "CREATE TABLE IF NOT EXISTS sync_probe (id TEXT PRIMARY KEY, device TEXT, n INTEGER)"

register("sync_probe")
allow_probe()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wall_clock() -> datetime:
    return datetime.now(HALL_TZ)


class Central:
    """One ``counter-central serve`` process; can be SIGKILLed and started again.

    Plain HTTP (``--insecure-http``) unless ``tls``: then HTTPS under the hall CA it
    makes in ``tls_dir`` (beside the log unless given), and :meth:`code` carries the
    CA's fingerprint as ``enrol-code`` prints it."""

    def __init__(
        self,
        db_url: str,
        log: Path,
        rate: float = 1000.0,
        workers: int = 1,
        *,
        tls: bool = False,
        tls_dir: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.db_url = db_url
        self.rate = rate
        self.workers = workers
        self.tls = tls
        self.tls_dir = tls_dir or log.with_name("tls")
        self.port = port or free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.engine: Engine = open_engine(db_url)
        self._staffed = False

    def publish_staff(self) -> None:
        """The hall's staff, published once, as ``create-staff`` would."""
        if not self._staffed:
            publish_hall_staff(self.engine, int(time.time() * 1000))
            self._staffed = True

    @property
    def ca_pem(self) -> bytes:
        return (self.tls_dir / "ca.pem").read_bytes()

    def _answers(self) -> bool:
        verify: bool | ssl.SSLContext = True
        if self.tls:
            if not (self.tls_dir / "ca.pem").exists():
                return False
            verify = ssl.create_default_context(cadata=self.ca_pem.decode())
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=0.5, verify=verify).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self) -> None:
        security = ["--tls-dir", str(self.tls_dir)] if self.tls else ["--insecure-http"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(LAUNCHER),
                    "serve",
                    "--db",
                    self.db_url,
                    "--port",
                    str(self.port),
                    "--rate",
                    str(self.rate),
                    "--workers",
                    str(self.workers),
                    *security,
                ],
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 90  # a loaded CI machine starts Python slowly
        while time.monotonic() < deadline:
            if self._answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"central did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.engine.close()  # idle pooled connections: PostgreSQL's slots are shared

    def code(
        self, kind: DeviceKind = DeviceKind.WINDOW, window: str = "1", device: str | None = None
    ) -> str:
        """A code as ``enrol-code`` makes it: a window counter at window 1 unless told."""
        if not kind.has_window:
            window = ""
        code = self.engine.create_enrol_code(int(time.time() * 1000), kind, window, device)
        return code_with_fingerprint(code, self.ca_pem) if self.tls else code


def central_for(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    workers: int = 1,
    *,
    tls: bool = False,
) -> Central:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "DROP TABLE IF EXISTS devices, enrol_codes, ops, rows, changes, queue_tickets,"
                " queue_numbers, queue_blocks, queue_events, queue_mirror, queue_requests"
            )
    return Central(url, tmp_path / "central.log", workers=workers, tls=tls)


def new_counter(
    path: Path,
    central: Central,
    kind: DeviceKind = DeviceKind.WINDOW,
    window: str = "1",
    *,
    supervised: bool = False,
) -> Database:
    """An empty counter enrolled with the central; ``supervised``: the hall supervisor
    is signed in there, so its holiday changes carry her signature."""
    db = open_store(path)
    db.execute(PROBE_DDL)
    outbox.ensure_device(db, wall_clock())
    enrol(db, central.url, central.code(kind, window), name=path.stem)
    if supervised:
        central.publish_staff()
        as_supervisor(db)
    return db


def token(db: Database) -> str:
    return str(db.execute("SELECT device_token FROM sync_state").fetchone()[0])


def client_for(
    db: Database, central: Central, transport: Transport | None = None, **kwargs
) -> SyncClient:
    options = {"clock": wall_clock, "sleep": lambda s: None, "max_attempts": 3, **kwargs}
    return SyncClient(db, transport or transport_for(db, timeout=30.0), **options)


def write_probe(db: Database, n: int, now: datetime | None = None) -> str:
    """One shared event written the way services write: row and op in one transaction."""
    now = now or wall_clock()
    row_id = f"{outbox.device_id(db)}-{n}"
    with immediate(db):
        db["sync_probe"].insert({"id": row_id, "device": outbox.device_id(db), "n": n})
        op = outbox.record(
            db,
            table="sync_probe",
            row_id=row_id,
            kind="event",
            payload={"id": row_id, "device": outbox.device_id(db), "n": n},
            now=now,
        )
    return op.op_id


def seeded_counter(
    template: Path,
    path: Path,
    central: Central,
    window: str = "1",
    kind: DeviceKind = DeviceKind.WINDOW,
) -> Database:
    """A counter copied from the seeded test store (catalog, categories), with a device
    identity of its own, enrolled with the central as ``kind`` (at ``window``),
    and the hall's staff pulled in place of the demo accounts enrolment removed."""
    shutil.copy(template, path)
    db = open_store(path)
    with immediate(db):
        db.execute("UPDATE device SET device_id = ? WHERE id = 1", [str(uuid.uuid4())])
    central.publish_staff()
    enrol(db, central.url, central.code(kind, window), name=path.stem)
    client_for(db, central).pull()
    return db


USCC = "91350100M000100Y43"
ITEM = "SCJG-0002"


def services(db: Database) -> tuple[IntakeService, CasesService]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


def take_case(db: Database, window: str, now: datetime) -> str:
    return decide_case(db, window, now).case.number


def decide_case(db: Database, window: str, now: datetime) -> IntakeResult:
    """A clerk at ``window`` accepts the demo item with every material in hand."""
    intake, _ = services(db)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, window, now)
    checklist = intake.checklist(ITEM)
    states = tuple(
        state if line.exempt else set_status(line, state, MaterialStatus.ORIGINAL)
        for line, state in zip(checklist, initial_states(checklist), strict=True)
    )
    form = ApplicantForm(
        ApplicantKind.ENTERPRISE, USCC, "示范科技有限公司", "13812345678", legal_rep="张三"
    )
    return intake.decide(clerk, IntakeRequest(ITEM, form, states, Decision.ACCEPT), now)


def check_converged(central: Central, dbs: list[Database]) -> None:
    """Every counter holds the central's probes and holidays as the central does, and
    every case in the state the central keeps it in."""
    probes = {
        r[0]
        for r in central.engine.query("SELECT row_id FROM rows WHERE table_name = 'sync_probe'")
    }
    days = {
        r[0]: json.loads(r[1])
        for r in central.engine.query(
            "SELECT row_id, payload FROM rows WHERE table_name = 'holidays'"
        )
    }
    cases = {
        r[0]: json.loads(r[1])["state"]
        for r in central.engine.query("SELECT row_id, payload FROM rows WHERE table_name = 'cases'")
    }
    for db in dbs:
        if probes or db["sync_probe"].exists():
            assert {r[0] for r in db.execute("SELECT id FROM sync_probe").fetchall()} == probes
        for day, payload in days.items():
            held = db.execute("SELECT kind, name FROM holidays WHERE day = ?", [day]).fetchone()
            assert held == (payload["kind"], payload["name"])
        if cases:
            local = dict(db.execute("SELECT id, state FROM cases").fetchall())
            assert {k: local.get(k) for k in cases} == cases


def settle(clients: list[SyncClient]) -> None:
    """Sync everyone twice: the second round carries what the first round pushed."""
    for _ in range(2):
        for client in clients:
            result = client.step()
            assert result.online and not result.error, result
