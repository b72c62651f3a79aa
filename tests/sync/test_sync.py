"""Counters syncing with a real central process over loopback, faults included.

Invariants checked after every scenario: each op a counter created was applied on the
central exactly once; device sequences have no gaps; an op left a counter's outbox
only once the central had it; every refusal is recorded on both ends; at quiescence
every counter holds what the central holds for the tables it pulls.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from sync_support import (
    Central,
    central_for,
    check_converged,
    client_for,
    new_counter,
    settle,
    token,
    wall_clock,
    write_probe,
)

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import holidays, outbox
from counter.sync.client import read_status
from counter.sync.transport import FaultyTransport, HttpTransport

WORKER = Path(__file__).with_name("sync_worker.py")


def check_invariants(central: Central, created: dict[str, list[str]]) -> None:
    engine = central.engine
    for device, op_ids in created.items():
        rows = engine.query(
            "SELECT seq, op_id, table_name FROM ops WHERE device_id = ? ORDER BY seq", [device]
        )
        assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1)), "sequence gap"
        # Besides the test's own ops, a counter's audit log records the staff it pulled.
        made = sorted(op_id for _, op_id, table in rows if table != "audit_log")
        assert made == sorted(op_ids), "op lost or applied twice"
        assert (
            engine.scalar("SELECT next_seq FROM devices WHERE device_id = ?", [device])
            == len(rows) + 1
        )


def check_cleared_only_when_acked(central: Central, db: Database, created: list[str]) -> None:
    local = {r[0] for r in db.execute("SELECT op_id FROM outbox").fetchall()}
    remote = {r[0] for r in central.engine.query("SELECT op_id FROM ops")}
    for op_id in created:
        assert op_id in local or op_id in remote


def test_counter_work_reaches_the_central_and_another_counter(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central)
    created = [write_probe(a, n) for n in range(5)]
    holidays.set_day(a, date(2031, 3, 2), "holiday", "示范假日", wall_clock())
    created.append(outbox.pending(a)[-1].op_id)
    settle([client_for(a, central), client_for(b, central)])
    check_invariants(central, {outbox.device_id(a): created})
    check_converged(central, [a, b])
    assert b.execute("SELECT name FROM holidays WHERE day = '2031-03-02'").fetchone() == (
        "示范假日",
    )
    assert read_status(a).pending == 0
    assert read_status(b).last_success_at is not None


@pytest.mark.parametrize(
    "faults",
    [
        ["drop_request", "drop_request"],
        ["drop_response"],
        ["duplicate"],
        ["reorder", None, "drop_response"],
        ["delay", "duplicate", "drop_response", "reorder"],
    ],
    ids=["drop-request", "commit-then-drop-response", "duplicate", "reorder", "mixed"],
)
def test_faulty_transport_still_applies_every_op_exactly_once(
    sqlite_central: Central, tmp_path: Path, faults: list[str | None]
) -> None:
    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central)
    b = new_counter(tmp_path / "b.db", central)
    faulty = FaultyTransport(HttpTransport(central.url, token(a)), delay_s=0.05)
    client = client_for(a, central, transport=faulty, batch_size=4, max_attempts=6)
    created: list[str] = []
    for round_ in range(3):
        created += [write_probe(a, round_ * 10 + n) for n in range(6)]
        faulty.extend(faults)
        client.step()
        check_cleared_only_when_acked(central, a, created)
    settle([client, client_for(b, central)])
    check_invariants(central, {outbox.device_id(a): created})
    check_converged(central, [a, b])
    assert any(not line.startswith("clean") for line in faulty.log)


def test_central_killed_mid_push_then_restarted_applies_exactly_once(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central)
    created = [write_probe(a, n) for n in range(3000)]
    inner = HttpTransport(central.url, token(a))
    posts: list[threading.Timer] = []

    class KillDuringThirdPush:
        def request(self, method, path, *, body=None, params=None):
            if method == "POST" and len(posts) < 3:
                posts.append(threading.Timer(0.005, central.kill))
                if len(posts) == 3:
                    posts[-1].start()
            return inner.request(method, path, body=body, params=params)

    client = client_for(a, central, transport=KillDuringThirdPush(), batch_size=200)
    first = client.step()
    posts[-1].join()
    assert not first.online
    assert 0 < first.pushed < len(created)
    check_cleared_only_when_acked(central, a, created)
    central.start()
    settle([client])
    check_invariants(central, {outbox.device_id(a): created})
    assert outbox.pending_count(a) == 0


def test_counter_killed_between_page_and_cursor_repulls_correctly(
    sqlite_central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central)
    b = new_counter(tmp_path / "b.db", central)
    created = [write_probe(a, n) for n in range(7)]
    settle([client_for(a, central)])
    reader = client_for(b, central, page_size=3)

    def crash(cursor: int, now) -> None:
        raise KeyboardInterrupt("power cut before the cursor was saved")

    monkeypatch.setattr(reader, "_save_cursor", crash)
    with pytest.raises(KeyboardInterrupt):
        reader.pull_page()
    assert b.execute("SELECT count(*) FROM sync_probe").fetchone()[0] == 0
    assert reader.cursor() == 0
    monkeypatch.undo()
    assert reader.pull() == 7
    check_converged(central, [a, b])
    check_invariants(central, {outbox.device_id(a): created})


def test_clock_an_hour_ahead_is_accepted_and_the_corrected_clock_carries_on(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central)

    def fast_clock() -> datetime:
        return wall_clock() + timedelta(hours=1)

    fast = write_probe(a, 1, now=fast_clock())
    client_for(a, central, clock=fast_clock).step()
    assert outbox.refused(a) == []
    assert SyncService(a).clock_note() == "本机时钟比中心快 1 小时"
    # The PC's clock is put right: its next op orders after the fast one all the same,
    # and the central takes it (the refusals went from 22 to 66 before).
    fixed = write_probe(a, 2, now=wall_clock())
    client_for(a, central).step()
    assert outbox.refused(a) == []
    assert SyncService(a).clock_note() == ""
    clocks = dict(central.engine.query("SELECT op_id, hlc FROM ops"))
    assert clocks[fixed] > clocks[fast]
    check_invariants(central, {outbox.device_id(a): [fast, fixed]})


def test_clock_days_ahead_is_refused_kept_and_does_not_lock_the_counter_out(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central)

    def far_clock() -> datetime:
        return wall_clock() + timedelta(days=3)

    op_id = write_probe(a, 1, now=far_clock())
    also = write_probe(a, 2, now=far_clock())
    client_for(a, central, clock=far_clock).step()
    kept = outbox.refused(a)
    assert [op.op_id for op in kept] == [op_id, also]
    assert "clock_ahead" in (kept[0].refused_reason or "")
    assert central.engine.scalar("SELECT code FROM ops WHERE op_id = ?", [op_id]) == "clock_ahead"
    assert read_status(a).refused == 2
    assert "快 3 天" in SyncService(a).clock_note()
    # Fixed: the very next op is taken, not refused for three days.
    fixed = write_probe(a, 3, now=wall_clock())
    client_for(a, central).step()
    assert read_status(a).refused == 2
    assert central.engine.scalar("SELECT state FROM ops WHERE op_id = ?", [fixed]) == "applied"
    check_invariants(central, {outbox.device_id(a): [op_id, also, fixed]})


def test_a_slow_clock_is_told_and_its_edit_orders_after_what_it_pulled(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)

    def slow() -> datetime:
        return wall_clock() - timedelta(minutes=10)

    day = date(2031, 5, 7)
    holidays.set_day(a, day, "holiday", "甲", wall_clock())
    settle([client_for(a, central), client_for(b, central, clock=slow)])
    # b's PC is ten minutes slow; it edits what it pulled, after a did.
    holidays.set_day(b, day, "holiday", "乙改", slow())
    settle([client_for(b, central, clock=slow), client_for(a, central)])
    check_converged(central, [a, b])
    assert a.execute("SELECT name FROM holidays WHERE day = ?", [day.isoformat()]).fetchone() == (
        "乙改",
    )
    assert SyncService(b).clock_note() == "本机时钟比中心慢 10 分钟"
    assert SyncService(a).conflicts() == []


def test_clock_an_hour_behind_is_accepted_and_loses_to_a_newer_write(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)
    day = date(2031, 5, 6)
    holidays.set_day(a, day, "holiday", "先写", wall_clock())
    settle([client_for(a, central)])
    holidays.set_day(b, day, "workday", "慢钟", wall_clock() - timedelta(hours=1))
    settle([client_for(b, central), client_for(a, central)])
    check_converged(central, [a, b])
    assert b.execute("SELECT name FROM holidays WHERE day = ?", [day.isoformat()]).fetchone() == (
        "先写",
    )


def test_row_with_pending_local_op_is_not_overwritten_by_a_pull(
    sqlite_central: Central, tmp_path: Path
) -> None:
    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)
    day = date(2031, 7, 8)
    holidays.set_day(b, day, "workday", "本机未传", wall_clock())
    holidays.set_day(a, day, "holiday", "别处", wall_clock() + timedelta(seconds=1))
    settle([client_for(a, central)])
    client_for(b, central).pull()
    assert b.execute("SELECT name FROM holidays WHERE day = ?", [day.isoformat()]).fetchone() == (
        "本机未传",
    )
    settle([client_for(b, central), client_for(a, central)])
    check_converged(central, [a, b])


def test_revoked_counter_is_blocked_and_not_retried(
    sqlite_central: Central, tmp_path: Path
) -> None:
    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central)
    write_probe(a, 1)
    central.engine.revoke(outbox.device_id(a))
    faulty = FaultyTransport(HttpTransport(central.url, token(a)))
    result = client_for(a, central, transport=faulty).step()
    assert result.error and result.online
    assert len(faulty.log) == 1
    assert read_status(a).blocked
    assert outbox.pending_count(a) == 1


def test_catalog_published_centrally_reaches_the_counter_and_retires_items(
    sqlite_central: Central, tmp_path: Path, db: Database
) -> None:
    from counter.assets import demo_catalog_text
    from counter.store import catalog_store

    central = sqlite_central
    outbox.ensure_device(db, wall_clock())
    from counter.sync.client import enrol

    enrol(db, central.url, central.code())
    catalog = catalog_store.load_catalog(db)
    assert catalog is not None
    retired = catalog.items[0].code
    text = demo_catalog_text()
    new_text = _drop_item(text, retired).replace(catalog.version, catalog.version + "-c2", 1)
    source = tmp_path / "catalog.toml"
    source.write_text(new_text, encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "counter.central.cli",
            "publish-catalog",
            "--db",
            central.db_url,
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    client_for(db, central).pull()
    assert catalog_store.current_version(db) == catalog.version + "-c2"
    assert db.execute("SELECT status FROM items WHERE code = ?", [retired]).fetchone() == (
        "retired",
    )


def _drop_item(text: str, code: str) -> str:
    blocks = text.split("\n[[")
    kept = [b for b in blocks if f'code = "{code}"' not in b or not b.startswith("items]]")]
    assert len(kept) == len(blocks) - 1, "demo catalog layout changed"
    return "\n[[".join(kept)


def test_staff_created_centrally_can_sign_in_offline(
    sqlite_central: Central, tmp_path: Path
) -> None:
    from counter.model.staff import password_matches
    from counter.store import staff_store

    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "counter.central.cli",
            "create-staff",
            "--db",
            central.db_url,
            "--login",
            "liuyang",
            "--name",
            "刘洋",
            "--role",
            "clerk",
            "--password",
            "window-2026",
            "--certificate-no",
            "GZ-2026-0007",
            "--certificate-expiry",
            "2031-12-31",
        ],
        check=True,
        capture_output=True,
    )
    client_for(a, central).pull()
    staff = staff_store.find_by_login(a, "liuyang")
    assert staff is not None and staff.name == "刘洋"
    assert password_matches(staff.password_hash, "window-2026")


def test_concurrent_counter_processes_against_postgres(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    central = central_for("postgres", tmp_path, request)
    central.start()
    try:
        paths = [tmp_path / f"w{n}.db" for n in range(4)]
        central.publish_staff()  # the workers change holidays as the hall supervisor
        codes = [central.code() for _ in paths]
        workers = [
            subprocess.Popen(
                [sys.executable, str(WORKER), str(path), central.url, code, str(seed)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for seed, (path, code) in enumerate(zip(paths, codes, strict=True))
        ]
        created: dict[str, list[str]] = {}
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err.decode()[-3000:]
            report = json.loads(out)
            created[report["device"]] = report["created"]
        dbs = [Database(path) for path in paths]
        settle([client_for(db, central) for db in dbs])
        check_invariants(central, created)
        check_converged(central, dbs)
    finally:
        central.stop()


def test_central_serves_https_when_a_certificate_is_configured(tmp_path: Path) -> None:
    import shutil
    import ssl

    import httpx
    from sync_support import LAUNCHER, free_port

    from counter.central.serving import open_engine

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = open_engine(url)
    token = engine.enrol(engine.create_enrol_code(0), "dev-tls", "", 1).token
    port = free_port()
    trusted = ssl.create_default_context(cafile=str(cert))
    server = subprocess.Popen(
        [
            sys.executable,
            str(LAUNCHER),
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"https://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/v1/health", verify=trusted, timeout=0.5)
                break
            except httpx.HTTPError:
                threading.Event().wait(0.05)
        transport = HttpTransport(base, token or "", verify=str(cert))
        answer = transport.request("GET", "/v1/pull")
        transport.close()
        assert answer.status == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
    finally:
        server.terminate()
        server.wait()


def test_shared_table_without_a_local_copy_is_skipped_on_pull(
    sqlite_central: Central, tmp_path: Path
) -> None:
    from counter.sync.tables import REGISTRY, register

    central = sqlite_central
    a = new_counter(tmp_path / "a.db", central)
    register("push_only_probe")
    try:
        central.engine.publish("push_only_probe", "r1", {"id": "r1"}, 1)
        write_probe(a, 1)
        settle([client_for(a, central)])
        check_converged(central, [a])
    finally:
        del REGISTRY["push_only_probe"]


def test_a_refused_change_lets_the_row_take_the_hall_s_version_until_resubmitted(
    central: Central, tmp_path: Path
) -> None:
    a = new_counter(tmp_path / "a.db", central, supervised=True)
    b = new_counter(tmp_path / "b.db", central, supervised=True)
    day = date(2031, 6, 1)

    def far_clock() -> datetime:
        return wall_clock() + timedelta(days=3)

    holidays.set_day(a, day, "holiday", "钟快被拒", far_clock())
    client_for(a, central, clock=far_clock).step()
    holidays.set_day(b, day, "workday", "别处", wall_clock())
    settle([client_for(b, central), client_for(a, central)])
    # The refused change is not the hall's: a shows what the hall has, as b does.
    check_converged(central, [a, b])
    (refused,) = SyncService(a).refused()
    boss = sign_in(a, "zhangwei", DEMO_PASSWORD, "1", wall_clock())
    SyncService(a).resubmit(boss, refused.op_id, wall_clock())
    assert a.execute("SELECT name FROM holidays WHERE day = ?", [day.isoformat()]).fetchone() == (
        "钟快被拒",
    )
    settle([client_for(a, central), client_for(b, central)])
    check_converged(central, [a, b])
    assert b.execute("SELECT name FROM holidays WHERE day = ?", [day.isoformat()]).fetchone() == (
        "钟快被拒",
    )
    assert SyncService(b).conflicts() == []
