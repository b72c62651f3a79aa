"""Where the desktop and the central log: stderr as before, and a rotating file in the
platform's log folder, or beside a store put elsewhere, that IT finds the next day
(issue 26)."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import platformdirs
import pytest

from counter.central.cli import main as central_main
from counter.central.serving import _without_password, default_log_dir, logging_config
from counter.log import BACKUPS, MAX_BYTES, desktop_log_dir, to_file


def test_the_platform_s_data_folder_logs_to_the_platform_s_log_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COUNTER_LOG_DIR", raising=False)
    data = Path(platformdirs.user_data_dir("counter", appauthor=False))
    assert desktop_log_dir(data) == Path(platformdirs.user_log_dir("counter", appauthor=False))


def test_a_store_put_elsewhere_keeps_its_log_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COUNTER_LOG_DIR", raising=False)
    assert desktop_log_dir(tmp_path / "demo") == tmp_path / "demo" / "logs"


def test_counter_log_dir_names_the_folder_outright(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTER_LOG_DIR", str(tmp_path / "it"))
    assert desktop_log_dir(tmp_path / "demo") == tmp_path / "it"


def test_the_log_file_rotates_five_files_of_two_megabytes_in_private_folders(
    tmp_path: Path,
) -> None:
    root = logging.getLogger()
    level = root.level
    handler = to_file(tmp_path / "data" / "logs")
    try:
        assert to_file(tmp_path / "data" / "logs") is handler
        assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUPS) == (2 << 20, 5)
        logging.getLogger("counter.store").error("磁盘已满")
        handler.flush()
        logged = (tmp_path / "data" / "logs" / "counter.log").read_text("utf-8")
        assert "counter.store ERROR 磁盘已满" in logged
        if os.name == "posix":  # made before the store, the store's folder stays private
            assert (tmp_path / "data").stat().st_mode & 0o077 == 0
            assert (tmp_path / "data" / "logs").stat().st_mode & 0o077 == 0
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)


def test_the_stations_log_settings_set_the_files_level_and_size(tmp_path: Path) -> None:
    """``log_level`` WARNING keeps a day's INFO out of the file; ``log_max_mb`` sets the
    size a file rotates at (the application passes both from the station's settings)."""
    root = logging.getLogger()
    level = root.level
    handler = to_file(tmp_path / "logs", level="WARNING", max_bytes=5 * 1024 * 1024)
    try:
        assert handler.maxBytes == 5 << 20
        logging.getLogger("counter.queue").info("叫号 A001")
        logging.getLogger("counter.printing").warning("打印机缺纸")
        handler.flush()
        logged = (tmp_path / "logs" / "counter.log").read_text("utf-8")
        assert "打印机缺纸" in logged and "叫号 A001" not in logged
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)


def test_the_central_s_log_files_rotate_at_the_size_serve_is_given(tmp_path: Path) -> None:
    config = logging_config(str(tmp_path / "central.log"), log_max_mb=7)
    assert config["handlers"]["file"]["max_bytes"] == 7 << 20
    with pytest.raises(SystemExit, match="--log-max-mb"):
        central_main(["serve", "--log-max-mb", "0", "--db", f"sqlite:///{tmp_path}/c.db"])


def test_the_desktop_logs_its_start_and_a_refused_store_to_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "counter.db")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    env = {**os.environ, "COUNTER_DATA_DIR": str(data)}
    env.pop("COUNTER_LOG_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "counter.app", "--screenshot", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    logged = (data / "logs" / "counter.log").read_text("utf-8")
    assert f"starting (window): SQLite store in {data}," in logged
    assert "central none (standalone)" in logged and "Counter " in logged
    assert "Counter cannot start: 数据文件" in logged and "较新版本" in logged
    assert "starting (window)" in result.stderr  # stderr as before


#: ``counter-central serve`` with uvicorn's loop stubbed out: everything up to serving.
SERVE_STUBBED = textwrap.dedent(
    """
    import logging, sys
    import uvicorn
    from counter.central import serving

    def run(app, **options):
        logging.getLogger("uvicorn.error").info("uvicorn would serve; log_config=%r",
                                                options.get("log_config", "unset"))

    uvicorn.run = run
    serving.Serving.app = lambda self: None
    from counter.central.cli import main
    main(sys.argv[1:])
    """
)


def test_central_serve_logs_its_start_line_to_a_file_beside_its_store(tmp_path: Path) -> None:
    db = tmp_path / "hall" / "central.db"
    db.parent.mkdir()
    from counter.central.serving import open_engine

    open_engine(f"sqlite:///{db}").close()  # serve runs only on an initialised central
    serve = ["serve", "--db", f"sqlite:///{db}", "--insecure-http", "--port", "18443"]
    result = subprocess.run(
        [sys.executable, "-c", SERVE_STUBBED, *serve],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    logged = (tmp_path / "hall" / "logs" / "central.log").read_text("utf-8")
    assert f"counter-central serve: 127.0.0.1:18443, store sqlite:///{db}" in logged
    assert "uvicorn would serve; log_config=None" in logged  # uvicorn's lines reach it
    assert "counter-central serve: stopped" in logged
    assert "counter-central serve: 127.0.0.1:18443" in result.stderr  # the console too


def test_a_postgres_central_logs_to_the_platform_s_log_folder_without_its_password() -> None:
    url = "postgresql://counter:s3cret@dbhost/counter"
    assert default_log_dir(url) == platformdirs.user_log_path("counter-central", appauthor=False)
    assert _without_password(url) == "postgresql://counter:***@dbhost/counter"
    assert _without_password("postgresql://counter@dbhost/counter") == (
        "postgresql://counter@dbhost/counter"
    )
