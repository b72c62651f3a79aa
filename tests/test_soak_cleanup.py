"""A soak run removes its folder (``counter-soak-*`` in the temp folder) and stops what it
started, however it ends; ``python -m benchmarks`` with a Python that lacks Counter's
dependencies says which Python to use instead of writing a table of ImportErrors."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from benchmarks import bench_soak

runner = importlib.import_module("benchmarks.__main__")


@pytest.fixture
def soak_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The folders the soak makes, made inside this test's own folder."""
    made: list[Path] = []
    real = tempfile.mkdtemp

    def mkdtemp(prefix: str = "") -> str:
        folder = Path(real(prefix=prefix, dir=tmp_path))
        made.append(folder)
        return str(folder)

    monkeypatch.setattr(bench_soak.tempfile, "mkdtemp", mkdtemp)
    return made


def test_a_soak_whose_central_will_not_start_leaves_nothing_behind(
    soak_folders: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def broken_central(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        """A central that exits at once, as one given a folder it refuses does."""
        process = real([sys.executable, "-c", "raise SystemExit(3)"])
        started.append(process)
        return process

    monkeypatch.setattr(bench_soak.subprocess, "Popen", broken_central)
    monkeypatch.setattr(bench_soak.httpx, "get", _refused)
    with pytest.raises(SystemExit, match="central did not start"):
        bench_soak.soak(minutes=0.01, kind="sqlite", counters=1, restarts=0)
    assert len(soak_folders) == 1 and not soak_folders[0].exists()
    assert started and all(p.poll() is not None for p in started)


def _refused(*args: object, **kwargs: object) -> None:
    raise bench_soak.httpx.ConnectError("refused")


def test_counter_processes_of_a_failed_run_are_stopped(soak_folders: list[Path]) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE, text=True
    )
    bench_soak.stop_workers([worker])
    assert worker.poll() is not None


def test_a_failure_half_way_removes_the_folder_and_stops_the_counters(
    soak_folders: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    stubborn: list[subprocess.Popen[str]] = []

    def fails_half_way(folder: Path, url: str, central: object, workers: list, *rest: object):  # type: ignore[no-untyped-def]
        (folder / "counter0.db").write_bytes(b"a store")
        worker = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            stdout=subprocess.PIPE,
            text=True,
        )
        workers.append(worker)
        stubborn.append(worker)
        raise RuntimeError("a check blew up")

    monkeypatch.setattr(bench_soak, "_soak", fails_half_way)
    with pytest.raises(RuntimeError):
        bench_soak.soak(minutes=0.01, kind="sqlite", counters=1, restarts=0)
    assert not soak_folders[0].exists()
    assert stubborn[0].poll() is not None


def test_keep_keeps_the_folder(
    soak_folders: list[Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(*args: object) -> None:
        raise RuntimeError("look into me")

    monkeypatch.setattr(bench_soak, "_soak", fails)
    with pytest.raises(RuntimeError):
        bench_soak.soak(minutes=0.01, kind="sqlite", counters=1, restarts=0, keep=True)
    assert soak_folders[0].exists()
    assert str(soak_folders[0]) in capsys.readouterr().err


def test_the_runner_names_the_python_to_use_when_counters_dependencies_are_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(runner, "NEEDED", ("sqlite_utils", "no_such_module_here"))
    monkeypatch.setattr(sys, "argv", ["benchmarks", "--quick", "--out", str(tmp_path / "t.md")])
    assert runner.main() == 2
    said = capsys.readouterr().err
    assert "no_such_module_here" in said and "sqlite_utils" not in said.split("缺少")[1][:30]
    assert "-m benchmarks --quick" in said and "source .venv/bin/activate" in said
    assert not (tmp_path / "t.md").exists()


def test_the_venv_has_every_module_the_benchmarks_need() -> None:
    assert runner.missing_modules() == []
