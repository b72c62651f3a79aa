"""The hall's CA and the central's server certificate: made once, renewed from the same CA."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient

from counter.central import hall_ca
from counter.central.app import create_app
from counter.central.cli import main
from counter.central.engine import Engine
from counter.central.serving import open_engine
from counter.model.errors import CounterError
from counter.sync import pinning

NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def cert_of(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_first_start_makes_the_ca_and_a_certificate_it_signed(tmp_path: Path) -> None:
    tls = hall_ca.ensure_hall_ca(tmp_path / "tls", ["localhost", "127.0.0.1", "::1"], NOW)
    ca, server = cert_of(tmp_path / "tls" / "ca.pem"), cert_of(tls.cert)
    server.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.not_valid_after_utc - NOW > dt.timedelta(days=3640)
    assert dt.timedelta(days=700) < server.not_valid_after_utc - NOW < dt.timedelta(days=740)
    assert hall_ca.certificate_names(tls.cert)[0] == ["localhost", "127.0.0.1", "::1"]
    for key in ("ca.key", "server.key"):
        assert stat.S_IMODE((tmp_path / "tls" / key).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700


def test_a_later_start_keeps_both_until_a_name_is_missing_or_the_end_nears(
    tmp_path: Path,
) -> None:
    first = hall_ca.ensure_hall_ca(tmp_path, ["localhost"], NOW)
    issued = first.cert.read_bytes()
    assert hall_ca.ensure_hall_ca(tmp_path, ["LOCALHOST"], NOW).cert.read_bytes() == issued
    renamed = hall_ca.ensure_hall_ca(tmp_path, ["10.0.0.5"], NOW)
    assert hall_ca.certificate_names(renamed.cert)[0] == ["localhost", "10.0.0.5"]
    assert renamed.ca_pem == first.ca_pem
    renewed = renamed.cert.read_bytes()
    late = NOW + dt.timedelta(days=hall_ca.SERVER_DAYS - 10)
    assert hall_ca.ensure_hall_ca(tmp_path, ["localhost"], late).cert.read_bytes() != renewed
    assert hall_ca.ensure_hall_ca(tmp_path, ["localhost"], late).ca_pem == first.ca_pem


def test_reissue_names_exactly_what_it_is_given_under_the_same_ca(tmp_path: Path) -> None:
    first = hall_ca.ensure_hall_ca(tmp_path, ["localhost", "old.hall"], NOW)
    again = hall_ca.reissue(tmp_path, ["localhost", "central.hall"], NOW)
    assert hall_ca.certificate_names(again.cert)[0] == ["localhost", "central.hall"]
    assert hall_ca.fingerprint(again.ca_pem) == hall_ca.fingerprint(first.ca_pem)


def test_a_ca_without_its_key_is_not_replaced_silently(tmp_path: Path) -> None:
    hall_ca.ensure_hall_ca(tmp_path, ["localhost"], NOW)
    (tmp_path / "ca.key").unlink()
    with pytest.raises(CounterError, match="不全"):
        hall_ca.ensure_hall_ca(tmp_path, ["localhost"], NOW)


def test_the_tls_folder_defaults_beside_the_sqlite_file(tmp_path: Path) -> None:
    assert hall_ca.default_tls_dir(f"sqlite:///{tmp_path}/c.db") == tmp_path / "tls"
    assert hall_ca.default_tls_dir("postgresql://u@h/db").parts[-2:] == ("counter-central", "tls")


def test_machine_names_hold_loopback_the_host_and_extras() -> None:
    names = hall_ca.machine_names("10.0.0.5", ["Central.Hall", "fe80::1%eth0"])
    assert names[:3] == ["localhost", "127.0.0.1", "::1"]
    assert "10.0.0.5" in names and "central.hall" in names
    assert not any("%" in n for n in names)
    assert "0.0.0.0" not in hall_ca.machine_names("0.0.0.0")
    assert hall_ca.machine_names("0:0:0:0:0:0:0:1").count("::1") == 1


def test_a_halls_own_certificate_pins_the_ca_given_or_the_chains_last(tmp_path: Path) -> None:
    own = hall_ca.ensure_hall_ca(tmp_path / "own", ["localhost"], NOW)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(own.cert.read_bytes() + own.ca_pem)
    with_ca = hall_ca.own_certificate(own.cert, own.key, tmp_path / "own" / "ca.pem")
    from_chain = hall_ca.own_certificate(chain, own.key, None)
    assert pinning.fingerprint(with_ca.ca_pem) == pinning.fingerprint(own.ca_pem)
    assert pinning.fingerprint(from_chain.ca_pem) == pinning.fingerprint(own.ca_pem)


def test_serving_notes_the_ca_for_enrol_codes_and_plain_http_removes_it(tmp_path: Path) -> None:
    tls = hall_ca.serving_tls(tmp_path, ["localhost"])
    assert hall_ca.served_ca(tmp_path) == tls.ca_pem
    hall_ca.record_served_ca(tmp_path, None)
    assert hall_ca.served_ca(tmp_path) is None


def test_the_ca_route_serves_the_pem_without_a_token(engine: Engine, tmp_path: Path) -> None:
    ca_pem = hall_ca.ensure_hall_ca(tmp_path, ["localhost"], NOW).ca_pem
    with TestClient(create_app(engine, ca_pem=ca_pem)) as client:
        answer = client.get("/v1/ca.pem")
        assert answer.status_code == 200 and answer.content == ca_pem
        assert answer.headers["content-type"].startswith("application/x-pem-file")
    with TestClient(create_app(engine)) as client:
        assert client.get("/v1/ca.pem").status_code == 404


def test_enrol_code_appends_the_served_cas_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    open_engine(db).close()  # an initialised central
    main(["enrol-code", "--window", "1", "--db", db, "--tls-dir", str(tmp_path / "tls")])
    captured = capsys.readouterr()
    assert pinning.split_code(captured.out.split("：")[-1])[1] == ""
    assert "--insecure-http" in captured.err
    ca_pem = hall_ca.serving_tls(tmp_path / "tls", ["localhost"]).ca_pem
    main(["enrol-code", "--window", "1", "--db", db, "--tls-dir", str(tmp_path / "tls")])
    code, typed = pinning.split_code(capsys.readouterr().out.split("：")[-1])
    assert len(code) == 10 and typed == pinning.fingerprint(ca_pem)


@pytest.mark.parametrize(
    "extra",
    [
        ["--insecure-http", "--tls-name", "x"],
        ["--tls-ca", "ca.pem"],
        ["--tls-cert", "c.pem"],
    ],
)
def test_serve_refuses_contradictory_tls_options(extra: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--db", f"sqlite:///{tmp_path / 'c.db'}", *extra])


def test_a_server_certificate_from_another_ca_is_replaced(tmp_path: Path) -> None:
    """Same CA name (same machine, same day), another key: the signature decides."""
    ours = hall_ca.ensure_hall_ca(tmp_path / "ours", ["localhost"], NOW)
    theirs = hall_ca.ensure_hall_ca(tmp_path / "theirs", ["localhost"], NOW)
    ours.cert.write_bytes(theirs.cert.read_bytes())
    again = hall_ca.ensure_hall_ca(tmp_path / "ours", ["localhost"], NOW)
    cert_of(again.cert).verify_directly_issued_by(cert_of(tmp_path / "ours" / "ca.pem"))
