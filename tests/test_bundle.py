"""The offline installer end to end (docs/install.md): scripts/build-bundle.sh builds the
bundle from a local wheelhouse, install.sh installs it into a fresh prefix with the
network off, and the app and the central start from there.

The wheelhouse is this venv's own distributions repacked as wheels
(packaging/wheels_from_venv.py), so the test needs no internet and installs exactly the
versions the rest of the suite ran against; ``COUNTER_WHEELHOUSE`` names a ready one
(``pip download`` of both distributions' dependencies, setuptools and wheel) instead.
The network is cut with ``unshare --net`` where this user may (root, as in CI); pip runs
with ``--no-index`` either way.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: Generous: a slow disk copies half a gigabyte of wheels several times over.
BUILD_TIMEOUT = 900
START_TIMEOUT = 180


def no_network() -> list[str]:
    """The prefix that runs a command in a network namespace of its own, if allowed here."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    return ["unshare", "--net"] if probe.returncode == 0 else []


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=BUILD_TIMEOUT, **kwargs
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result


def make_wheelhouse(folder: Path) -> Path:
    given = os.environ.get("COUNTER_WHEELHOUSE")
    if given:
        return Path(given)
    run(
        [
            sys.executable,
            str(ROOT / "packaging/wheels_from_venv.py"),
            str(folder),
            str(ROOT / "pyproject.toml"),
            str(ROOT / "packaging/central/pyproject.toml"),
        ]
    )
    return folder


def build_and_unpack(wheelhouse: Path, out: Path, stick: Path) -> Path:
    """The .tar.gz built offline, unpacked elsewhere (the folder beside it removed)."""
    env = {**os.environ, "PYTHON": sys.executable}
    command = [str(ROOT / "scripts/build-bundle.sh"), "--wheels-from", str(wheelhouse)]
    run([*no_network(), *command, "--no-apt", "--out", str(out)], env=env)
    archives = list(out.glob("counter-bundle-*.tar.gz"))
    assert len(archives) == 1, list(out.iterdir())
    shutil.rmtree(archives[0].with_name(archives[0].name.removesuffix(".tar.gz")))
    with tarfile.open(archives[0]) as archive:
        archive.extractall(stick, filter="tar")
    archives[0].unlink()
    (folder,) = stick.iterdir()
    return folder


def check_bundle(bundle: Path) -> None:
    wheels = {p.name.split("-")[0].lower() for p in (bundle / "wheels").glob("*.whl")}
    assert {"counter", "counter_central", "pyside6_essentials", "fastapi", "uvicorn"} <= wheels
    for name in ("install.sh", "uninstall.sh", "install.md", "VERSION", "SHA256SUMS"):
        assert (bundle / name).is_file(), name
    assert (bundle / "files/counter-central.service").is_file()


def check_install(prefix: Path) -> None:
    for name in ("counter", "counter-kiosk", "counter-board", "counter-rate", "counter-central"):
        assert os.access(prefix / "bin" / name, os.X_OK), name
    entry = (prefix / "share/applications/counter.desktop").read_text(encoding="utf-8")
    assert f"Exec={prefix}/bin/counter\n" in entry
    assert (prefix / "share/icons/hicolor/scalable/apps/counter.svg").is_file()
    autostart = sorted(p.name for p in (prefix / "etc/xdg/autostart").iterdir())
    assert autostart == ["counter-board.desktop"]
    station = (prefix / "etc/counter/station.env").read_text(encoding="utf-8")
    assert "COUNTER_BOARD_SCREEN=0" in station
    unit = (prefix / "etc/systemd/system/counter-central.service").read_text(encoding="utf-8")
    assert f"ExecStart={prefix}/central/bin/counter-central serve" in unit


def check_halves(prefix: Path) -> None:
    """The central's venv has no Qt; the desktop's no server."""
    for venv, module in (("central", "PySide6"), ("venv", "fastapi")):
        result = subprocess.run(
            [str(prefix / venv / "bin/python"), "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0, f"{venv} has {module}"
        assert f"No module named '{module}'" in result.stderr


def check_station(prefix: Path, launcher: str, folder: Path) -> None:
    folder.mkdir()
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep} | {
        "QT_QPA_PLATFORM": "offscreen",
        "COUNTER_DATA_DIR": str(folder / "data"),
        "COUNTER_CONFIG": str(folder / "settings.toml"),
        "COUNTER_LOG_DIR": str(folder / "logs"),
    }
    shot = folder / "shot.png"
    command = [*no_network(), str(prefix / "bin" / launcher), "--screenshot", str(shot)]
    run(command, env=env, cwd=folder)
    assert shot.read_bytes().startswith(b"\x89PNG")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def check_central(prefix: Path, folder: Path) -> None:
    """counter-central from the install serves /v1/health (plain HTTP, on loopback)."""
    folder.mkdir()
    program = str(prefix / "bin/counter-central")
    data = folder / "central"
    helped = run([program, "--help"], cwd=folder).stdout
    if "{init," in helped:  # a data folder, made once
        run([program, "init", "--data-dir", str(data)], cwd=folder)
        where = ["--data-dir", str(data)]
    else:
        data.mkdir()
        where = ["--db", f"sqlite:///{data}/central.db"]
    port = free_port()
    server = subprocess.Popen(
        [program, "serve", *where, "--insecure-http", "--port", str(port)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            url = f"http://127.0.0.1:{port}/v1/health"
            try:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    health = json.loads(answer.read())
                break
            except OSError:
                if server.poll() is not None:
                    output = server.stdout.read() if server.stdout else ""
                    pytest.fail(f"counter-central exited {server.returncode}: {output}")
                if time.monotonic() > deadline:
                    pytest.fail(f"no answer on port {port} within {START_TIMEOUT} s")
                time.sleep(0.2)
        assert health["status"] == "ok"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_offline_bundle_installs_and_runs(tmp_path: Path) -> None:
    """One test, so that a parallel run builds the half-gigabyte bundle once."""
    wheelhouse = make_wheelhouse(tmp_path / "wheelhouse")
    (tmp_path / "dist").mkdir()
    (tmp_path / "stick").mkdir()
    bundle = build_and_unpack(wheelhouse, tmp_path / "dist", tmp_path / "stick")
    check_bundle(bundle)
    run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=bundle)

    # A PC that is both a call board and the hall's central, installed offline.
    prefix = tmp_path / "opt" / "counter"
    install = [*no_network(), str(bundle / "install.sh"), "--prefix", str(prefix), "--no-system"]
    # The central first: the board's install must leave the central's venv alone.
    run([*install, "--role", "central"])
    run([*install, "--role", "board", "--screen", "0"])
    check_install(prefix)
    check_halves(prefix)
    check_station(prefix, "counter", tmp_path / "window")
    check_station(prefix, "counter-board", tmp_path / "board")
    check_station(prefix, "counter-kiosk", tmp_path / "kiosk")
    check_station(prefix, "counter-rate", tmp_path / "rate")
    check_central(prefix, tmp_path / "central")

    run([str(prefix / "uninstall.sh"), "--prefix", str(prefix), "--no-system"])
    assert not prefix.exists()
