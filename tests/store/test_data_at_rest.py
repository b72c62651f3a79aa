"""Data at rest: owner-only files and folders, and no device token in a backup."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

import pytest

from counter.app import main
from counter.store import backup
from counter.store.db import DB_FILE, open_store
from counter.store.settings_file import load_settings, save_settings

posix_only = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")

TOKEN = "dt_3f9a-secret-device-token-7c21"
OLD_TOKEN = "dt_0b11-earlier-device-token-88aa"
CENTRAL = "https://central.hall.example:8443"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def enrol(store_path: Path, token: str = TOKEN, url: str = CENTRAL) -> None:
    """What a finished enrolment leaves in the store (sync.client.keep_token)."""
    conn = sqlite3.connect(store_path)
    conn.execute(
        "UPDATE sync_state SET central_url = ?, device_token = ? WHERE id = 1", [url, token]
    )
    conn.commit()
    conn.close()


def credentials(path: Path) -> tuple[str, str]:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT central_url, device_token FROM sync_state").fetchone()
    finally:
        conn.close()
    return str(row[0]), str(row[1])


def device_of(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT device_id FROM device").fetchone()[0])
    finally:
        conn.close()


def run(*words: str) -> int:
    return main(list(words))


# --- permissions -------------------------------------------------------------------------


@posix_only
def test_a_new_store_its_wal_and_shm_and_its_new_folders_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "made" / "by" / "counter" / DB_FILE
        db = open_store(path)
        db.execute("INSERT INTO departments (code, name) VALUES ('PX', '权限')")
        db.conn.commit()
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        for folder in (tmp_path / "made", tmp_path / "made" / "by", path.parent):
            assert mode(folder) == 0o700, folder
        db.close()
    finally:
        os.umask(old_umask)


@posix_only
def test_an_existing_folder_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    open_store(folder / DB_FILE).close()
    assert mode(folder) == 0o755
    assert mode(folder / DB_FILE) == 0o600


@posix_only
def test_an_existing_loose_store_is_tightened_on_open_and_logged(
    store_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = open_store(store_path)  # a running counter: the -wal and -shm are there
    db.execute("INSERT INTO departments (code, name) VALUES ('PX', '权限')")
    db.conn.commit()
    parts = [store_path, Path(f"{store_path}-wal"), Path(f"{store_path}-shm")]
    for part in parts:
        part.chmod(0o644)  # as an older Counter left them
    with caplog.at_level(logging.WARNING, logger="counter.store"):
        reopened = open_store(store_path)
    assert [mode(part) for part in parts] == [0o600, 0o600, 0o600]
    reopened.close()
    db.close()
    logged = [r.getMessage() for r in caplog.records if "tightened" in r.getMessage()]
    assert len(logged) == 3 and str(store_path) in logged[0]


@posix_only
def test_a_backup_is_owner_only_whether_named_or_put_in_a_folder(
    store_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "usb").mkdir()
    dest = backup.backup(store_path, tmp_path / "usb" / "b.db")
    assert mode(dest) == 0o600
    assert not list(dest.parent.glob("*.partial"))
    into_folder = backup.backup(store_path, dest.parent)
    assert into_folder.parent == dest.parent and mode(into_folder) == 0o600


@posix_only
def test_a_backup_replacing_a_loose_file_is_owner_only(store_path: Path, tmp_path: Path) -> None:
    dest = tmp_path / "b.db"
    dest.write_bytes(b"old")
    dest.chmod(0o644)
    backup.backup(store_path, dest)
    assert mode(dest) == 0o600


@posix_only
def test_the_restored_store_and_the_file_kept_aside_are_owner_only(
    store_path: Path, tmp_path: Path, now: datetime
) -> None:
    saved = backup.backup(store_path, tmp_path / "b.db")
    saved.chmod(0o644)  # a backup copied around by hand
    store_path.chmod(0o644)
    kept = backup.restore(saved, store_path, now)
    assert kept is not None
    assert mode(store_path) == 0o600 and mode(kept) == 0o600


@posix_only
def test_settings_toml_and_its_new_folder_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "config" / "counter" / "settings.toml"
    save_settings(path, load_settings(path, environ={}).changed(window_number="9"))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert not path.with_suffix(".tmp").exists()
    assert load_settings(path, environ={})["window_number"] == "9"


@posix_only
def test_an_existing_loose_settings_file_is_tightened_when_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('window_number = "4"\n', encoding="utf-8")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="counter.store"):
        assert load_settings(path, environ={})["window_number"] == "4"
    assert mode(path) == 0o600
    assert any("tightened" in r.getMessage() for r in caplog.records)


# --- the device token stays out of backups -----------------------------------------------


def test_a_backup_carries_no_device_token_but_keeps_the_central_address(
    store_path: Path, tmp_path: Path
) -> None:
    enrol(store_path, OLD_TOKEN)  # enrolled once, then again: both tokens passed through
    enrol(store_path, TOKEN)
    db = open_store(store_path)  # the counter is running: the token sits in the WAL too
    db.execute("UPDATE sync_state SET last_error = '' WHERE id = 1")
    db.conn.commit()
    try:
        dest = backup.backup(store_path, tmp_path / "b.db")
    finally:
        db.close()
    assert credentials(store_path) == (CENTRAL, TOKEN)  # the live store keeps it
    assert credentials(dest) == (CENTRAL, "")
    raw = dest.read_bytes()
    assert TOKEN.encode() not in raw and OLD_TOKEN.encode() not in raw
    assert b"secret-device-token" not in raw
    assert not Path(f"{dest}-journal").exists() and not Path(f"{dest}-wal").exists()


def test_the_backup_command_carries_no_device_token(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(store_path)
    assert run("backup", str(tmp_path / "b.db"), "--data-dir", str(store_path.parent)) == 0
    assert "不含设备令牌" in capsys.readouterr().out
    assert credentials(tmp_path / "b.db") == (CENTRAL, "")
    assert TOKEN.encode() not in (tmp_path / "b.db").read_bytes()


# --- restore: re-enrol by default, keep the token on request (same device only) ----------


def test_restore_by_default_leaves_the_counter_to_re_enrol(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(store_path)
    data = str(store_path.parent)
    run("backup", str(tmp_path / "b.db"), "--data-dir", data)
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) == 0
    assert credentials(store_path) == (CENTRAL, "")
    out = capsys.readouterr().out
    assert "设备令牌已清空" in out and "登记码" in out
    kept = list(store_path.parent.glob("counter.db.before-restore-*"))
    assert len(kept) == 1 and credentials(kept[0]) == (CENTRAL, TOKEN)


def test_restore_of_an_old_backup_that_still_has_a_token_blanks_it(
    store_path: Path, tmp_path: Path, now: datetime
) -> None:
    enrol(store_path)
    old_style = tmp_path / "old.db"
    src = sqlite3.connect(store_path)
    dest = sqlite3.connect(old_style)
    src.backup(dest)  # a plain copy, as made before backups dropped the token
    src.close()
    dest.close()
    assert credentials(old_style) == (CENTRAL, TOKEN)
    backup.restore(old_style, store_path, now)
    assert credentials(store_path) == (CENTRAL, "")


def test_restore_keep_token_on_the_same_device_keeps_it(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(store_path)
    data = str(store_path.parent)
    run("backup", str(tmp_path / "b.db"), "--data-dir", data)
    assert run("restore", str(tmp_path / "b.db"), "--keep-token", "--data-dir", data) == 0
    assert credentials(store_path) == (CENTRAL, TOKEN)
    assert "已沿用本机的设备令牌" in capsys.readouterr().out
    assert len(list(store_path.parent.glob("counter.db.before-restore-*"))) == 1


def test_restore_keep_token_puts_back_the_current_pair_after_a_re_enrolment(
    store_path: Path, tmp_path: Path, now: datetime
) -> None:
    enrol(store_path, OLD_TOKEN, "https://old-central.example")
    saved = backup.backup(store_path, tmp_path / "b.db")
    enrol(store_path, TOKEN, CENTRAL)  # moved to a new central since the backup
    backup.restore(saved, store_path, now, keep_token=True)
    assert credentials(store_path) == (CENTRAL, TOKEN)


def test_restore_keep_token_is_refused_for_another_devices_backup(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(store_path.parent)
    run("backup", str(tmp_path / "b.db"), "--data-dir", data)
    conn = sqlite3.connect(tmp_path / "b.db")
    conn.execute("UPDATE device SET device_id = 'another-pc' WHERE id = 1")
    conn.commit()
    conn.close()
    enrol(store_path)
    before = store_path.read_bytes()
    capsys.readouterr()
    assert run("restore", str(tmp_path / "b.db"), "--keep-token", "--data-dir", data) == 2
    err = capsys.readouterr().err
    assert "另一台设备" in err and "another-pc" in err and "--keep-token" in err
    assert store_path.read_bytes() == before  # nothing was touched
    assert not list(store_path.parent.glob("counter.db.before-restore-*"))
    # Without --keep-token the other device's data may be restored; it must enrol anew.
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) == 0
    assert credentials(store_path)[1] == ""
    assert device_of(store_path) == "another-pc"


def test_a_staged_restore_carries_the_choice_to_the_next_start(
    store_path: Path, tmp_path: Path, now: datetime
) -> None:
    enrol(store_path)
    saved = backup.backup(store_path, tmp_path / "b.db")
    pending = backup.stage_restore(saved, store_path, keep_token=True)
    assert mode(pending) == 0o600 or os.name != "posix"
    backup.apply_pending_restore(store_path, now)
    assert credentials(store_path) == (CENTRAL, TOKEN)
    backup.stage_restore(saved, store_path)
    backup.apply_pending_restore(store_path, now)
    assert credentials(store_path) == (CENTRAL, "")


def test_a_staged_keep_token_restore_of_another_device_is_refused(
    store_path: Path, tmp_path: Path
) -> None:
    saved = backup.backup(store_path, tmp_path / "b.db")
    conn = sqlite3.connect(saved)
    conn.execute("UPDATE device SET device_id = 'another-pc' WHERE id = 1")
    conn.commit()
    conn.close()
    with pytest.raises(backup.BackupError, match="另一台设备"):
        backup.stage_restore(saved, store_path, keep_token=True)
    assert not backup.pending_restore_path(store_path).exists()


def test_help_explains_both_restore_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("restore", "--help")
    out = capsys.readouterr().out
    assert "--keep-token" in out and "重新登记" in out and "同一台设备" in out
