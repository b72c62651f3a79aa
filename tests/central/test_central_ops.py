"""The central's operations on both engines: ``init`` and the refusal of a store that was
not made, versioned migrations and ``migrate``, ``backup`` and ``restore``, the start-up
line, ``/v1/health`` and ``/metrics``, and ``create-staff``'s certificate.

Each test that changes a store's schema or version has a database of its own (a fresh
PostgreSQL database, dropped after): the session's shared one serves the other tests.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import platformdirs
import psycopg
import pytest
from central_support import now_ms
from fastapi.testclient import TestClient
from test_central_upgrade import OLD_SCHEMA

from counter.central import backup as central_backup
from counter.central import datadir, migrations
from counter.central.about import central_version
from counter.central.app import create_app
from counter.central.cli import main
from counter.central.datadir import CONFIG_FILE, ENV_DATA_DIR
from counter.central.engine import Engine
from counter.central.hall_queue import HallQueue
from counter.central.migrations import Migration, SchemaTooNew, latest
from counter.central.serving import open_engine
from counter.model.clock import HALL_TZ
from counter.model.queue import Category, Lane
from tests.postgres import scratch_database
from tests.waiting import soon

ENGINES = ["sqlite", "postgres"]


@pytest.fixture
def own_pg() -> Iterator[str]:
    """A PostgreSQL database for this test alone."""
    with scratch_database("counter_ops") as url:
        yield url


def store_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty store: a SQLite path not yet made, or an empty PostgreSQL database."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'hall' / 'central.db'}"
    url: str = request.getfixturevalue("own_pg")
    return url


def exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    code = raised.value.code
    return code if isinstance(code, int) else 1


def pg_tools_or_skip(url: str) -> None:
    """pg_dump and pg_restore at least the server's version, or the test says why not."""
    server = central_backup.server_major(url)
    for tool in ("pg_dump", "pg_restore"):
        try:
            central_backup.pg_tool(tool, server)
        except central_backup.BackupError as exc:
            pytest.skip(f"no usable {tool} for PostgreSQL {server}: {exc}")


# -- init, and no store made by mistake ---------------------------------------------------


@pytest.mark.parametrize("kind", ENGINES)
def test_init_makes_the_data_folder_once_and_commands_find_it(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "data"
    given = [] if kind == "sqlite" else ["--db", store_url(kind, tmp_path, request)]
    main(["init", "--data-dir", str(folder), *given])
    said = capsys.readouterr().out
    assert "已建立新的中心数据库" in said and f"架构版本 {latest()}" in said
    config = (folder / CONFIG_FILE).read_text(encoding="utf-8")
    db = store_url(kind, tmp_path, request) if kind == "postgres" else None
    assert f'db = "{db or "sqlite:///" + str((folder / "central.db").absolute())}"' in config
    assert (folder / CONFIG_FILE).stat().st_mode & 0o077 == 0  # a password may be in it

    assert exit_code(["init", "--data-dir", str(folder), *given]) == 2
    assert "已初始化过" in capsys.readouterr().err

    main(["devices", "--data-dir", str(folder)])
    assert "还没有登记任何设备" in capsys.readouterr().out


def test_commands_refuse_a_folder_or_store_that_was_not_initialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The trap of issue 30: run from the wrong folder, a command made a new central.db
    there and handed out a code the running central did not know."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "nowhere"))
    assert exit_code(["enrol-code", "--window", "1"]) == 2
    err = capsys.readouterr().err
    assert "不是已初始化的中心数据文件夹" in err and "counter-central init" in err
    assert exit_code(["enrol-code", "--window", "1", "--db", "sqlite:///central.db"]) == 2
    assert "未初始化" in capsys.readouterr().err
    assert exit_code(["serve", "--db", "sqlite:///central.db", "--insecure-http"]) == 2
    assert list(tmp_path.iterdir()) == []  # no central.db, no folder, nothing made

    main(["init"])  # the default folder: here, $COUNTER_CENTRAL_DATA_DIR
    capsys.readouterr()
    main(["enrol-code", "--window", "1"])
    assert "一次性登记码" in capsys.readouterr().out


def test_the_default_folder_is_the_variable_s_then_the_service_s_then_the_user_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "var-lib-counter-central"
    monkeypatch.setattr(datadir, "SYSTEM_DATA_DIR", system)
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    user = platformdirs.user_data_path("counter-central", appauthor=False)
    assert datadir.default_data_dir() == user  # no service folder initialised here
    system.mkdir()
    (system / CONFIG_FILE).write_text('db = "sqlite:///x.db"\n', encoding="utf-8")
    assert datadir.default_data_dir() == system  # an administrator agrees with the service
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "named"))
    assert datadir.default_data_dir() == tmp_path / "named"


def test_an_empty_postgresql_database_is_not_a_central(
    own_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_code(["devices", "--db", own_pg]) == 2
    assert "未初始化" in capsys.readouterr().err
    with psycopg.connect(own_pg) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


# -- versions and migrate ------------------------------------------------------------------


def make_old_central(kind: str, url: str) -> None:
    """A central from before versions (and before kinds and owners)."""
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            for statement in OLD_SCHEMA:
                conn.execute(statement)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in OLD_SCHEMA:
            conn.execute(statement)


@pytest.mark.parametrize("kind", ENGINES)
def test_a_central_from_before_versions_is_refused_until_migrated(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = store_url(kind, tmp_path, request)
    make_old_central(kind, url)
    for argv in (["devices"], ["serve", "--insecure-http"], ["enrol-code", "--window", "1"]):
        assert exit_code([*argv, "--db", url]) == 2
        err = capsys.readouterr().err
        assert "旧版（没有版本记录）" in err and "counter-central migrate" in err

    main(["migrate", "--db", url])
    said = capsys.readouterr().out
    assert f"0（旧版，无版本记录） → {latest()}" in said and "已应用 1：" in said
    main(["devices", "--db", url])
    assert "old-pc" in capsys.readouterr().out
    main(["migrate", "--db", url])
    assert "无需迁移" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ENGINES)
def test_migrate_applies_the_pending_steps_in_order_and_serve_waits_for_it(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = store_url(kind, tmp_path, request)
    open_engine(url).close()  # the version this code makes
    made = latest()
    step = Migration(
        made + 1,
        "试验：新增 probe_notes 表",
        sqlite=("CREATE TABLE probe_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)",),
        postgres=("CREATE TABLE probe_notes (id BIGSERIAL PRIMARY KEY, note TEXT NOT NULL)",),
        run=lambda cur, engine: cur.execute("INSERT INTO probe_notes (note) VALUES ('v2')"),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step))

    assert exit_code(["serve", "--db", url, "--insecure-http"]) == 2
    assert f"架构为版本 {made}，本程序需要版本 {made + 1}" in capsys.readouterr().err

    backed = ["--backup-dir", str(tmp_path / "before")] if kind == "sqlite" else []
    main(["migrate", "--db", url, *backed])
    said = capsys.readouterr().out
    assert f"{made} → {made + 1}" in said
    assert f"已应用 {made + 1}：试验：新增 probe_notes 表" in said
    if backed:  # a backup first, of the store as it was
        (copy,) = (tmp_path / "before").iterdir()
        assert f"迁移前备份：{copy}" in said
        with sqlite3.connect(copy) as conn:
            assert conn.execute(migrations.READ_VERSION).fetchone() == (str(made),)
    assert f"已应用 {made}：" not in said
    engine = open_engine(url)
    try:
        assert engine.schema_version() == made + 1
        assert engine.query("SELECT note FROM probe_notes") == [("v2",)]
        assert engine.migrate() == []  # nothing applied twice
    finally:
        engine.close()


@pytest.mark.parametrize("kind", ENGINES)
def test_a_schema_newer_than_the_code_is_refused_by_every_command(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = store_url(kind, tmp_path, request)
    engine = open_engine(url)
    with engine._write() as cur:
        engine._q(cur, migrations.SET_VERSION, [str(latest() + 1)])
    with pytest.raises(SchemaTooNew):
        engine.setup()  # a library caller too
    engine.close()

    for argv in (
        ["serve", "--insecure-http"],
        ["migrate"],
        ["devices"],
        ["enrol-code", "--window", "1"],
        ["init", "--data-dir", str(tmp_path / "adopt")],
    ):
        assert exit_code([*argv, "--db", url]) == 2, argv
        err = capsys.readouterr().err
        assert f"架构版本为 {latest() + 1}" in err and "较新版本" in err, err
    assert not (tmp_path / "adopt" / CONFIG_FILE).exists()


# -- backup and restore ----------------------------------------------------------------------


def staff_names(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        return {r[0] for r in engine.query("SELECT row_id FROM rows WHERE table_name = 'staff'")}
    finally:
        engine.close()


@pytest.mark.parametrize("kind", ENGINES)
def test_a_backup_restored_brings_back_the_data_it_was_taken_with(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = store_url(kind, tmp_path, request)
    if kind == "postgres":
        pg_tools_or_skip(url)
    engine = open_engine(url)
    engine.publish("staff", "before", {"id": "before", "name": "备份前"}, now_ms())
    engine.close()

    main(["backup", str(tmp_path / "backups"), "--db", url])
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == (tmp_path / "backups").absolute() and printed.is_file()
    suffix = ".db" if kind == "sqlite" else ".pgdump"
    assert re.fullmatch(rf"central-\d{{8}}-\d{{6}}{re.escape(suffix)}", printed.name)

    engine = open_engine(url)
    engine.publish("staff", "after", {"id": "after", "name": "备份后"}, now_ms())
    engine.close()
    assert staff_names(url) == {"before", "after"}

    main(["restore", str(printed), "--yes", "--db", url])
    assert f"架构版本 {latest()}" in capsys.readouterr().out
    assert staff_names(url) == {"before"}
    engine = open_engine(url)  # and the restored central works on
    try:
        engine.publish("staff", "later", {"id": "later"}, now_ms())
        assert engine.schema_version() == latest()
    finally:
        engine.close()


def test_a_restore_is_not_made_without_confirmation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_engine(url).close()
    main(["backup", str(tmp_path), "--db", url])
    made = capsys.readouterr().out.strip()
    assert exit_code(["restore", made, "--db", url]) == 2  # not at a terminal, no --yes
    assert "--yes" in capsys.readouterr().err


def test_a_sqlite_backup_taken_while_the_central_writes_is_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every change in the copy has its row and every row its change: the copy is the
    store at one moment, though another connection writes throughout."""
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = open_engine(url)
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            engine.publish("staff", f"s{n}", {"id": f"s{n}"}, now_ms())

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert soon(lambda: engine.scalar("SELECT count(*) FROM rows") >= 20)
        main(["backup", str(tmp_path / "b"), "--db", url])
    finally:
        stop.set()
        writer.join()
        engine.close()
    copy = sqlite3.connect(capsys.readouterr().out.strip())
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT count(*) FROM rows").fetchone()[0]
        assert rows >= 20
        assert copy.execute("SELECT count(*) FROM changes").fetchone()[0] == rows
    finally:
        copy.close()


def test_a_postgresql_backup_names_the_restore_without_the_password() -> None:
    command = central_backup.restore_command(
        "postgresql://counter:s3cret@dbhost:5432/hall", Path("/b/central-20260927-093015.pgdump")
    )
    assert command[:6] == ["pg_restore", "--clean", "--if-exists", "--no-owner",
                           "--single-transaction", "--exit-on-error"]  # fmt: skip
    assert "s3cret" not in " ".join(command)


# -- serve: start-up line, health, metrics ---------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("kind", ENGINES)
def test_serve_says_what_it_serves_and_counts_for_prometheus(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A real central over loopback: its start-up line (printed and in central.log),
    /v1/health with version and schema, and /metrics with requests by route, pushed
    and refused ops, pulled changes and today's queue; on PostgreSQL from two serving
    processes, whose counts a scrape adds up."""
    folder = tmp_path / "data"
    given = [] if kind == "sqlite" else ["--db", store_url(kind, tmp_path, request)]
    main(["init", "--data-dir", str(folder), *given])
    url = (folder / CONFIG_FILE).read_text(encoding="utf-8").split('db = "')[1].split('"')[0]
    engine = open_engine(url)
    code = engine.create_enrol_code(now_ms(), window="1")
    token = engine.enrol(code, "dev-m", "", now_ms()).token
    engine.publish("staff", "s1", {"id": "s1"}, now_ms())
    now = datetime.now(HALL_TZ)
    HallQueue(engine).issue(Category(code="A", name="企业开办", windows=("1",)),
                            now.date().isoformat(), now, lane=Lane.NORMAL)  # fmt: skip
    engine.close()

    port = free_port()
    workers = ["--workers", "2"] if kind == "postgres" else []
    command = [sys.executable, "-m", "counter.central.cli", "serve", "--data-dir", str(folder),
               "--insecure-http", "--port", str(port), *workers]  # fmt: skip
    out = (tmp_path / "serve.out").open("wb")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert soon(lambda: _answers(base), 90), (tmp_path / "serve.out").read_text()
        health = httpx.get(f"{base}/v1/health").json()
        assert health == {"status": "ok", "database": "ok", "version": central_version(),
                          "schema_version": latest()}  # fmt: skip

        bearer = {"Authorization": f"Bearer {token}"}
        hlc = f"{now_ms():015d}-000000"
        refused = {"seq": 1, "op_id": "op-1", "table_name": "catalog", "row_id": "v9",
                   "kind": "upsert", "payload": {"version": "v9"}, "hlc": hlc,
                   "schema_version": 5}  # fmt: skip
        pushed = httpx.post(f"{base}/v1/push", headers=bearer,
                            json={"device_id": "dev-m", "ops": [refused]})  # fmt: skip
        assert pushed.status_code == 200 and pushed.json()["refused"]
        pulled = httpx.get(f"{base}/v1/pull?cursor=0", headers=bearer)
        assert pulled.status_code == 200 and pulled.json()["changes"]

        def scraped() -> str:
            answer = httpx.get(f"{base}/metrics")
            assert answer.status_code == 200
            return answer.text

        # Both requests counted, whichever process took them and whichever answers.
        assert soon(lambda: _counted(scraped(), "/v1/push") and _counted(scraped(), "/v1/pull"))
        text = scraped()
        assert 'counter_central_pushed_ops_total{outcome="refused"} 1.0' in text
        assert 'counter_central_refused_ops_total{code="read_only_table"} 1.0' in text
        assert re.search(r"counter_central_pulled_changes_total(\{[^}]*\})? [1-9]", text)
        assert 'counter_central_queue_waiting{category="A"} 1.0' in text
        assert 'counter_central_request_seconds_count{method="POST",route="/v1/push"' in text
        assert f'schema_version="{latest()}"' in text
        counts = list(Path(tempfile.gettempdir()).glob(f"counter-central-metrics-{process.pid}-*"))
        assert len(counts) == (1 if kind == "postgres" else 0)  # multiprocess mode
    finally:
        process.terminate()
        process.wait(30)
        out.close()
    assert not list(Path(tempfile.gettempdir()).glob(f"counter-central-metrics-{process.pid}-*"))
    said = (tmp_path / "serve.out").read_text(encoding="utf-8")
    engine_name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    start = f"counter-central {central_version()} 启动：数据文件夹 {folder.absolute()}"
    assert start in said and f"（{engine_name}，架构版本 {latest()}）" in said
    assert f"地址 http://127.0.0.1:{port}" in said
    logged = (folder / "logs" / "central.log").read_text(encoding="utf-8")
    assert f"({engine_name}, schema {latest()}), version {central_version()}" in logged
    assert f"http://127.0.0.1:{port}" in logged


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/v1/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _counted(text: str, route: str) -> bool:
    line = rf'counter_central_requests_total\{{[^}}]*route="{route}"[^}}]*\}} [1-9]'
    return re.search(line, text) is not None


def test_metrics_are_for_this_machine_or_the_bearer_of_the_token(engine: Engine) -> None:
    """The test client comes from "testclient", not loopback: another machine."""
    with TestClient(create_app(engine)) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 403 and "metrics" in refused.text
    with TestClient(create_app(engine, metrics_token="t0k3n")) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403
        answer = client.get("/metrics", headers={"Authorization": "Bearer t0k3n"})
        assert answer.status_code == 200 and "counter_central_requests_total" in answer.text
        assert "/metrics" not in client.get("/openapi.json").text  # not in the API schema


# -- create-staff ---------------------------------------------------------------------------


def staff_row(engine: Engine, login: str) -> dict[str, Any]:
    import json

    for (payload,) in engine.query("SELECT payload FROM rows WHERE table_name = 'staff'"):
        row: dict[str, Any] = json.loads(payload)
        if row.get("login") == login:
            return row
    raise AssertionError(f"no staff {login}")


def db_url(engine: Engine) -> str:
    path = getattr(engine, "path", None)
    return f"sqlite:///{path}" if path else engine.dsn  # type: ignore[attr-defined]


def test_create_staff_refuses_a_clerk_without_a_certificate(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["create-staff", "--db", db_url(engine), "--login", "wangfang", "--name", "王芳",
            "--role", "clerk", "--password", "window-2026"]  # fmt: skip
    assert exit_code(base) == 2
    assert "上岗证编号和有效期" in capsys.readouterr().err
    assert exit_code([*base, "--certificate-no", "GZ-1", "--certificate-expiry", "2020-01-01"]) == 2
    assert "已于 2020-01-01 过期" in capsys.readouterr().err
    assert engine.scalar("SELECT count(*) FROM rows WHERE table_name = 'staff'") == 0


def test_create_staff_asks_for_the_certificate_at_a_terminal(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["GZ-2026-0042", "2031-06-30"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "window-2026")
    main(["create-staff", "--db", db_url(engine), "--login", "zhaolei", "--name", "赵磊",
          "--role", "clerk"])  # fmt: skip
    row = staff_row(engine, "zhaolei")
    assert (row["certificate_no"], row["certificate_expiry"]) == ("GZ-2026-0042", "2031-06-30")
    assert "已建立人员 zhaolei" in capsys.readouterr().out


def test_create_staff_help_says_why_a_clerk_needs_a_certificate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exit_code(["create-staff", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "持证上岗" in shown and "--certificate-no" in shown and "开窗受理" in shown
