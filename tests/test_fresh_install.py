"""The offline bundle on a *fresh* Debian 12, installed system-wide as a hall does it
(docs/install.md), with scripts/try-bundle-fresh-debian.sh: a ``debootstrap
--variant=minbase`` root (no Python, no Qt libraries, no fonts) gets the bundle, and with
the network off install.sh --role central and --role window run in it as root with no
--prefix, --no-system or --no-apt. Then the central is made and answers /v1/health over
HTTPS (trusting its hall CA alone) on loopback, its administrator's commands find its data
folder, installing it again names the migration, every station takes a screenshot as an
ordinary desktop user (after an install under umask 077), the PC becomes the call board,
and uninstall.sh and uninstall.sh --purge remove what they should and keep the rest.

tests/test_bundle.py installs into a prefix on this machine; this one is the system-wide
path: the bundled .debs through apt, the central's user and data folder, /etc,
/usr/share/applications, /etc/xdg/autostart, /usr/local/bin.

It takes two minutes on an idle two-core machine (four and a half beside other tests),
and downloads Debian's base system (42 MB, once: /var/cache/counter-fresh-debian) and the
bundle's .debs (135 MB, each run), so it runs only when asked: ``COUNTER_FRESH_DEBIAN=1``,
as root, with debootstrap installed, on a Debian 12 amd64 machine whose apt reaches a
mirror (the bundle's .debs are the build machine's). systemd does not run in a chroot: the
service itself is not started here (install.sh must say so and not fail).
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts/try-bundle-fresh-debian.sh"
#: Generous: each step is a minute or two on two cores; a slow disk or mirror, more.
STEP_TIMEOUT = 1200
STATIONS = ("counter", "counter-kiosk", "counter-board", "counter-rate")


def why_not() -> str:
    """Why this machine cannot run the trial, or ""."""
    if os.environ.get("COUNTER_FRESH_DEBIAN") != "1":
        return "opt-in (two to four minutes, 180 MB of downloads): COUNTER_FRESH_DEBIAN=1"
    if os.geteuid() != 0:
        return "needs root (debootstrap, chroot, unshare)"
    for tool in ("debootstrap", "unshare", "chroot", "apt-get", "findmnt"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install debootstrap util-linux)"
    if platform.machine() != "x86_64":
        return "the trial root is Debian 12 amd64"
    release = Path("/etc/os-release")
    lines = release.read_text(encoding="utf-8").splitlines() if release.exists() else []
    if not {"ID=debian", 'VERSION_ID="12"'} <= set(lines):
        return "the bundle's .debs come from this machine's apt: build on Debian 12"
    return ""


pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(why_not()), reason=why_not())]


class Trial:
    """The fresh root and the steps run in it, each timed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.times: dict[str, float] = {}

    def step(self, name: str, *command: str) -> str:
        """The script's command; its output, once it has succeeded."""
        start = time.monotonic()
        result = subprocess.run(
            [str(SCRIPT), *command],
            capture_output=True,
            text=True,
            check=False,
            timeout=STEP_TIMEOUT,
        )
        self.times[name] = time.monotonic() - start
        output = f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        assert result.returncode == 0, f"{name} failed ({result.returncode}):\n{output}"
        return result.stdout + result.stderr

    def inside(self, name: str, *command: str) -> str:
        """A command as root inside the root, the network off."""
        return self.step(name, "in", str(self.root), *command)

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def passwd(self, user: str) -> list[str] | None:
        for line in self.path("/etc/passwd").read_text(encoding="utf-8").splitlines():
            if line.startswith(f"{user}:"):
                return line.split(":")
        return None

    def group(self, name: str) -> list[str] | None:
        for line in self.path("/etc/group").read_text(encoding="utf-8").splitlines():
            if line.startswith(f"{name}:"):
                return line.split(":")
        return None


@pytest.fixture
def trial(tmp_path: Path) -> Iterator[Trial]:
    made = Trial(tmp_path / "root")
    yield made
    # Never through a mount left behind: the script unmounts first, or refuses.
    subprocess.run([str(SCRIPT), "remove", str(made.root)], check=True, timeout=600)
    print("step times (s):", {k: round(v) for k, v in made.times.items()})


def check_fresh_root(trial: Trial) -> None:
    assert trial.path("/etc/debian_version").read_text(encoding="utf-8").startswith("12.")
    # Nothing the bundle must bring is there yet.
    assert not trial.path("/usr/bin/python3").exists()
    assert not list(trial.path("/usr/lib/x86_64-linux-gnu").glob("libxkbcommon.so*"))


def check_central_installed(trial: Trial, said: str) -> None:
    assert "no systemd here" in said, said
    assert "runuser -u counter-central" in said, said
    assert trial.path("/usr/bin/python3").exists(), "the bundle's Python did not install"
    assert os.access(trial.path("/opt/counter/central/bin/counter-central"), os.X_OK)
    assert trial.path("/usr/local/bin/counter-central").is_symlink()
    unit = trial.path("/etc/systemd/system/counter-central.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/counter/central/bin/counter-central serve" in unit
    user = trial.passwd("counter-central")
    assert user is not None
    assert user[5:] == ["/var/lib/counter-central", "/usr/sbin/nologin"]
    assert int(user[2]) < 1000, "not a system user"
    data = trial.path("/var/lib/counter-central").stat()
    assert (data.st_uid, stat.S_IMODE(data.st_mode)) == (int(user[2]), 0o700)
    env = trial.path("/etc/counter-central/central.env").stat()
    assert (env.st_uid, env.st_gid, stat.S_IMODE(env.st_mode)) == (0, int(user[3]), 0o640)


def check_window_installed(trial: Trial) -> None:
    entry = trial.path("/usr/share/applications/counter.desktop").read_text(encoding="utf-8")
    assert "Exec=/opt/counter/bin/counter\n" in entry
    assert trial.path("/usr/share/icons/hicolor/scalable/apps/counter.svg").is_file()
    assert trial.path("/usr/share/icons/hicolor/256x256/apps/counter.png").is_file()
    for name in STATIONS:
        link = trial.path(f"/usr/local/bin/{name}")
        assert os.readlink(link) == f"/opt/counter/bin/{name}"
    # A window's PC starts nothing by itself.
    assert not list(trial.path("/etc/xdg/autostart").glob("counter*"))
    # The central's half on the same PC was left alone, and each half has only its own.
    assert os.access(trial.path("/opt/counter/central/bin/counter-central"), os.X_OK)
    assert not list(trial.path("/opt/counter/central/lib").glob("python3*/site-packages/PySide6"))
    assert list(trial.path("/opt/counter/venv/lib").glob("python3*/site-packages/PySide6"))


def check_board_autostart(trial: Trial) -> None:
    autostart = sorted(p.name for p in trial.path("/etc/xdg/autostart").glob("counter*"))
    assert autostart == ["counter-board.desktop"]
    entry = trial.path("/etc/xdg/autostart/counter-board.desktop").read_text(encoding="utf-8")
    assert "Exec=/opt/counter/bin/counter-board" in entry
    station = trial.path("/etc/counter/station.env").read_text(encoding="utf-8")
    assert "COUNTER_BOARD_SCREEN=1" in station


def check_uninstalled(trial: Trial) -> None:
    for gone in (
        "/opt/counter",
        "/usr/share/applications/counter.desktop",
        "/usr/share/icons/hicolor/scalable/apps/counter.svg",
        "/etc/xdg/autostart/counter-board.desktop",
        "/etc/systemd/system/counter-central.service",
        "/etc/counter",
    ):
        assert not trial.path(gone).exists(), gone
    for name in (*STATIONS, "counter-central"):
        assert not trial.path(f"/usr/local/bin/{name}").is_symlink(), name
    # Data stays: the central's, its settings and user, and each desktop user's.
    assert trial.path("/var/lib/counter-central/central.toml").is_file()
    assert trial.path("/etc/counter-central/central.env").is_file()
    assert trial.passwd("counter-central") is not None
    assert trial.path("/home/clerk/.local/share/counter/counter.db").is_file()


def check_purged(trial: Trial) -> None:
    assert not trial.path("/var/lib/counter-central").exists()
    assert not trial.path("/etc/counter-central").exists()
    assert trial.passwd("counter-central") is None
    assert trial.group("counter-central") is None
    assert trial.path("/home/clerk/.local/share/counter/counter.db").is_file()


def test_the_bundle_installs_system_wide_on_a_fresh_debian_offline(trial: Trial) -> None:
    """One test: the steps build on each other, and a parallel run makes the root once."""
    trial.step("a fresh Debian 12 root", "root", str(trial.root))
    check_fresh_root(trial)
    trial.step("the bundle, with its .debs", "bundle", str(trial.path("/root")))
    (bundle,) = trial.path("/root").glob("counter-bundle-*")
    assert (bundle / "debs/Packages").is_file()
    shutil.copy(SCRIPT, trial.path("/root/try-inside.sh"))
    install = f"/root/{bundle.name}/install.sh"

    said = trial.inside("install --role central", install, "--role", "central")
    check_central_installed(trial, said)
    # A hardened root's umask must not leave the program unreadable to the clerks.
    trial.inside("install --role window", "sh", "-c", f"umask 077 && {install} --role window")
    check_window_installed(trial)

    health = trial.inside("the central made and serving", "/root/try-inside.sh", "inside-central")
    assert health.splitlines()[0] == "ok", health
    # The administrator's commands, as the service's user, find its data folder unasked.
    as_central = ("runuser", "-u", "counter-central", "--", "counter-central")
    trial.inside("enrol-code", *as_central, "enrol-code", "--kind", "window", "--window", "1")
    # Installing again over a central made: no systemd to stop and start it, so
    # install.sh names the migration instead, and that command works as printed.
    said = trial.inside("install --role central again", install, "--role", "central")
    migrate = next(line for line in said.splitlines() if " migrate " in line)
    migrated = trial.inside("migrate as printed", *migrate.removeprefix("[counter]").split())
    assert "无需迁移" in migrated, migrated  # the same bundle: nothing to migrate
    for launcher in STATIONS:
        said = trial.inside(
            f"{launcher} --screenshot", "/root/try-inside.sh", "inside-station", launcher
        )
        shot = trial.path(said.splitlines()[0])
        assert shot.read_bytes().startswith(b"\x89PNG"), launcher

    # The same PC becomes the call board: its autostart entry replaces none.
    trial.inside("install --role board", install, "--role", "board", "--screen", "1")
    check_board_autostart(trial)

    trial.inside("uninstall", "/opt/counter/uninstall.sh")
    check_uninstalled(trial)
    trial.inside("uninstall --purge", f"/root/{bundle.name}/uninstall.sh", "--purge")
    check_purged(trial)
