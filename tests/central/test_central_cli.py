"""``counter-central`` administrative commands on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from central_support import now_ms

from counter.assets import demo_catalog_text
from counter.central.cli import main
from counter.central.engine import Engine, EnrolRefused
from counter.central.serving import open_engine
from counter.sync.pinning import split_code


def url_of(engine: Engine) -> str:
    path = getattr(engine, "path", None)
    return f"sqlite:///{path}" if path else engine.dsn  # type: ignore[attr-defined]


def printed_code(capsys: pytest.CaptureFixture[str]) -> str:
    """The code ``enrol-code`` printed, less the CA fingerprint that follows it when a
    central has served HTTPS from this tls folder."""
    return split_code(capsys.readouterr().out.strip().split("：")[-1])[0]


def test_enrol_code_is_printed_and_works_once(engine: Engine, capsys) -> None:
    main(["enrol-code", "--db", url_of(engine), "--window", "1"])
    code = printed_code(capsys)
    assert engine.enrol(code, "dev-1", "", now_ms()).token
    with pytest.raises(EnrolRefused):
        engine.enrol(code, "dev-2", "", now_ms())


def test_revoke_marks_the_device(engine: Engine, capsys) -> None:
    main(["enrol-code", "--db", url_of(engine), "--window", "1"])
    code = printed_code(capsys)
    token = engine.enrol(code, "dev-1", "", now_ms()).token
    main(["revoke", "--db", url_of(engine), "dev-1"])
    device = engine.device_for_token(token)
    assert device is not None and device.revoked


def test_revoking_an_unknown_device_says_so(engine: Engine) -> None:
    with pytest.raises(SystemExit, match="没有这台设备"):
        main(["revoke", "--db", url_of(engine), "nobody"])


def test_create_staff_publishes_a_hashed_account(engine: Engine) -> None:
    main(
        [
            "create-staff",
            "--db",
            url_of(engine),
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
        ]
    )
    payload = json.loads(engine.scalar("SELECT payload FROM changes WHERE table_name = 'staff'"))
    assert payload["login"] == "liuyang"
    assert payload["certificate_expiry"] == "2031-12-31"
    assert payload["password_hash"].startswith("$argon2")


def test_publish_catalog_logs_one_version(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "catalog.toml"
    source.write_text(demo_catalog_text(), encoding="utf-8")
    main(["publish-catalog", "--db", url_of(engine), str(source)])
    assert engine.scalar("SELECT count(*) FROM changes WHERE table_name = 'catalog'") == 1


def test_unknown_database_url_is_refused() -> None:
    with pytest.raises(SystemExit, match="不认识"):
        open_engine("mysql://x")


def test_serving_sqlite_from_several_processes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="须用 PostgreSQL"):
        main(["serve", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--workers", "2"])


def test_devices_lists_kind_window_and_refusals(engine: Engine, capsys) -> None:
    main(["enrol-code", "--db", url_of(engine), "--kind", "kiosk"])
    engine.enrol(printed_code(capsys), "kiosk-1", "大厅取号机", now_ms())
    main(["devices", "--db", url_of(engine)])
    listed = capsys.readouterr().out
    assert "kiosk-1\t大厅取号机\t取号机\t-\t正常" in listed


def test_a_window_code_needs_its_window_number(engine: Engine, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["enrol-code", "--db", url_of(engine), "--kind", "window"])
    assert "须指定窗口号" in capsys.readouterr().err
