"""HTTPS by default under the hall's own CA, pinned by the fingerprint in the enrol code.

Real ``counter-central serve`` processes on loopback ports: a counter enrols over HTTPS
with no public CA and no setting, keeps syncing after the server certificate is
re-issued, and refuses a central whose CA is not the one the code named.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import (
    PROBE_DDL,
    Central,
    central_for,
    client_for,
    new_counter,
    wall_clock,
    write_probe,
)

from counter.central import hall_ca
from counter.central.cli import main
from counter.model.errors import ValidationError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import outbox
from counter.store.db import open_store
from counter.sync import pinning
from counter.sync.client import enrol
from counter.sync.transport import NOT_TRUSTED
from counter.ui.sync_page import SyncPage


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Central]:
    """A SQLite central serving HTTPS under the CA it made on its first start."""
    server = Central(f"sqlite:///{tmp_path / 'central.db'}", tmp_path / "central.log", tls=True)
    server.start()
    yield server
    server.stop()


def bare(central: Central) -> str:
    return central.engine.create_enrol_code(int(wall_clock().timestamp() * 1000))


def blank_counter(path: Path) -> Database:
    db = open_store(path)
    db.execute(PROBE_DDL)
    outbox.ensure_device(db, wall_clock())
    return db


def pinned(db: Database) -> str:
    return str(db.execute("SELECT central_ca FROM sync_state").fetchone()[0])


def ops_at(central: Central) -> int:
    return int(central.engine.scalar("SELECT count(*) FROM ops"))


def test_https_enrolment_pins_the_hall_ca_and_sync_works(hall: Central, tmp_path: Path) -> None:
    a = new_counter(tmp_path / "a.db", hall)
    b = new_counter(tmp_path / "b.db", hall)
    assert pinning.fingerprint(pinned(a)) == pinning.fingerprint(hall.ca_pem)
    write_probe(a, 1)
    assert client_for(a, hall).step().pushed == 1
    assert ops_at(hall) == 1
    assert client_for(b, hall).step().pulled >= 1
    assert b.execute("SELECT n FROM sync_probe").fetchall() == [(1,)]


def test_a_code_naming_another_ca_is_refused_before_it_is_spent(
    hall: Central, tmp_path: Path
) -> None:
    other = hall_ca.ensure_hall_ca(tmp_path / "other", ["localhost", "127.0.0.1"])
    code = bare(hall)
    db = blank_counter(tmp_path / "a.db")
    with pytest.raises(ValidationError) as refused:
        enrol(db, hall.url, pinning.code_with_fingerprint(code, other.ca_pem))
    assert (refused.value.field, refused.value.message) == ("code", pinning.MISMATCH)
    assert pinned(db) == ""
    enrol(db, hall.url, pinning.code_with_fingerprint(code, hall.ca_pem))  # still unused
    assert pinned(db)


def test_an_https_address_with_a_bare_code_is_refused_and_the_code_kept(
    hall: Central, tmp_path: Path
) -> None:
    code = bare(hall)
    db = blank_counter(tmp_path / "a.db")
    with pytest.raises(ValidationError) as refused:
        enrol(db, hall.url, code)
    assert refused.value.field == "code" and "证书指纹" in refused.value.message
    coded = pinning.code_with_fingerprint(code, hall.ca_pem)
    with pytest.raises(ValidationError) as plain:
        enrol(db, hall.url.replace("https", "http"), coded)
    assert plain.value.field == "central_url"
    enrol(db, hall.url, coded)


def test_a_central_under_another_ca_gets_no_data(hall: Central, tmp_path: Path) -> None:
    """After enrolment an impostor takes the central's port with a CA of its own: the
    handshake fails against the pinned CA, nothing reaches it, the op stays queued."""
    db = new_counter(tmp_path / "a.db", hall)
    write_probe(db, 1)
    hall.stop()
    impostor = Central(
        f"sqlite:///{tmp_path / 'impostor.db'}",
        tmp_path / "impostor.log",
        tls=True,
        tls_dir=tmp_path / "impostor-tls",
        port=hall.port,
    )
    impostor.start()
    try:
        result = client_for(db, hall).step()
        assert not result.online and NOT_TRUSTED in result.error
        assert "CERTIFICATE_VERIFY_FAILED" in result.error
        assert ops_at(impostor) == 0
        assert outbox.pending_count(db) == 1
    finally:
        impostor.stop()


def test_reissued_server_certificate_keeps_the_ca_and_enrolled_counters(
    hall: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = new_counter(tmp_path / "a.db", hall)
    before = (hall.tls_dir / "server.pem").read_bytes()
    ca_before = hall.ca_pem
    hall.stop()
    main(["tls", "--db", hall.db_url, "--tls-dir", str(hall.tls_dir), "--name", "central.hall"])
    out = capsys.readouterr().out
    assert pinning.fingerprint(ca_before) in out and "central.hall" in out
    assert hall.ca_pem == ca_before
    assert (hall.tls_dir / "server.pem").read_bytes() != before
    names, _end = hall_ca.certificate_names(hall.tls_dir / "server.pem")
    assert {"central.hall", "127.0.0.1", "localhost"} <= set(names)
    hall.start()
    write_probe(db, 1)
    assert client_for(db, hall).step().pushed == 1
    main(["enrol-code", "--window", "1", "--db", hall.db_url, "--tls-dir", str(hall.tls_dir)])
    printed = capsys.readouterr().out.strip().split("：")[-1]
    assert pinning.split_code(printed)[1] == pinning.fingerprint(ca_before)


def test_https_on_postgresql_from_two_serving_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """``--workers 2``: each process binds the port itself, with the same certificate."""
    central = central_for("postgres", tmp_path, request, workers=2, tls=True)
    central.start()
    try:
        counters = [new_counter(tmp_path / f"{n}.db", central) for n in "abcd"]
        for n, db in enumerate(counters):
            write_probe(db, n)
            assert client_for(db, central).step().pushed == 1
        assert ops_at(central) == len(counters)
    finally:
        central.stop()


def test_keys_are_readable_by_the_owner_alone(hall: Central) -> None:
    assert stat.S_IMODE((hall.tls_dir / "ca.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((hall.tls_dir / "server.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(hall.tls_dir.stat().st_mode) == 0o700


def test_the_ca_is_served_without_a_token_and_plain_http_is_not(hall: Central) -> None:
    answer = httpx.get(f"{hall.url}/v1/ca.pem", verify=False, timeout=5)
    assert answer.status_code == 200
    assert pinning.fingerprint(answer.text) == pinning.fingerprint(hall.ca_pem)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{hall.port}/v1/health", timeout=2)


def test_insecure_http_serves_http_and_codes_carry_no_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = Central(f"sqlite:///{tmp_path / 'central.db'}", tmp_path / "central.log")
    hall_ca.record_served_ca(lab.tls_dir, b"stale")  # from an earlier HTTPS start
    lab.start()
    try:
        assert lab.url.startswith("http://")
        assert httpx.get(f"{lab.url}/v1/ca.pem", timeout=5).status_code == 404
        assert "--insecure-http" in lab.log.read_text()
        main(["enrol-code", "--window", "1", "--db", lab.db_url, "--tls-dir", str(lab.tls_dir)])
        captured = capsys.readouterr()
        code = captured.out.strip().split("：")[-1]
        assert pinning.split_code(code) == (code, "")
        assert "不带证书指纹" in captured.err
        db = blank_counter(tmp_path / "a.db")
        enrol(db, lab.url, code)
        assert pinned(db) == ""
    finally:
        lab.stop()


def test_the_page_says_the_fingerprint_does_not_match_at_the_code(
    qtbot: QtBot, db: Database, hall: Central, tmp_path: Path
) -> None:
    other = hall_ca.ensure_hall_ca(tmp_path / "other", ["localhost"])
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "5", wall_clock())
    page = SyncPage(SyncService(db), session, wall_clock)
    qtbot.addWidget(page)
    page.show()
    page.url_edit.setText(hall.url)
    page.code_edit.setText(pinning.code_with_fingerprint(bare(hall), other.ca_pem).lower())
    page.on_enrol_requested()
    qtbot.waitUntil(lambda: page.enrol_errors.text("code") == pinning.MISMATCH)
    assert SyncService(db).central() == ""
    page.code_edit.setText(hall.code())
    with qtbot.wait_signal(page.enrolled):
        page.on_enrol_requested()
    assert SyncService(db).central() == hall.url
    assert pinned(db)
