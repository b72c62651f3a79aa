"""Two distributions from one tree (docs/install.md): the desktop ``counter`` (the root
pyproject.toml) and the central ``counter-central`` (packaging/central/pyproject.toml),
each with only what it needs, and the installer's files that go with them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from counter.app import QT_LIBRARIES

ROOT = Path(__file__).resolve().parents[1]
DESKTOP = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CENTRAL = tomllib.loads((ROOT / "packaging/central/pyproject.toml").read_text(encoding="utf-8"))
SHARED = {"counter.model", "counter.store", "counter.sync"}

#: What only the other half needs: never a dependency of this one.
DESKTOP_ONLY = {"pyside6-essentials", "reportlab", "pyqtgraph", "python-escpos", "pypdfium2"}
CENTRAL_ONLY = {"fastapi", "uvicorn", "httptools", "psycopg", "prometheus-client"}


def dependencies(project: dict) -> dict[str, Requirement]:
    return {
        canonicalize_name(r.name): r
        for r in (Requirement(text) for text in project["project"]["dependencies"])
    }


def test_every_package_is_listed_for_a_wheel() -> None:
    desktop = set(DESKTOP["tool"]["setuptools"]["packages"])
    central = set(CENTRAL["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "counter").rglob("__init__.py")
    }
    data = {
        ".".join(("counter", *p.relative_to(ROOT).parts))
        for p in [ROOT / "resources", *(ROOT / "resources").iterdir()]
        if p.is_dir() and p.name != "__pycache__"
    }
    assert found | data == desktop | central
    assert central == SHARED | {"counter.central"}
    assert "counter.central" not in desktop
    # The central's wheel takes counter/__init__.py and counter/log.py, not the app.
    assert CENTRAL["tool"]["setuptools"]["py-modules"] == ["counter.log"]


def test_each_half_depends_only_on_what_it_needs() -> None:
    desktop, central = dependencies(DESKTOP), dependencies(CENTRAL)
    assert not DESKTOP_ONLY & set(central), "the central would install Qt or printing"
    assert not CENTRAL_ONLY & set(desktop), "every desktop would install the central's server"
    for name in set(desktop) & set(central):
        assert desktop[name] == central[name], f"{name}: the two pyproject.toml files disagree"
    assert DESKTOP["project"]["version"] == CENTRAL["project"]["version"]
    assert DESKTOP["project"]["scripts"] == {"counter": "counter.app:main"}
    assert CENTRAL["project"]["scripts"] == {"counter-central": "counter.central.cli:main"}


#: Imports every module of the given packages with any top-level module outside the
#: standard library and the allowed ones refused: a module that needs a distribution its
#: wheel does not depend on fails here, not on a hall's server.
GUARDED_IMPORTS = """
import importlib, importlib.abc, pkgutil, sys
allowed, packages, refused = {allowed!r}, {packages!r}, {refused!r}

class Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split('.')[0]
        stdlib = top in sys.stdlib_module_names or top.startswith('_sysconfigdata')
        if name.startswith(refused) or (top not in allowed and not stdlib and top != 'counter'):
            # As a missing distribution would: optional imports catch exactly this.
            raise ModuleNotFoundError('not in this wheel: ' + name, name=name)
        return None

sys.meta_path.insert(0, Guard())
import counter.log
count = 0
for package in packages:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + '.'):
        importlib.import_module(info.name)
        count += 1
print(count)
"""


def importable_names(project: dict) -> set[str]:
    """The top-level modules of the distributions ``project`` needs, as installed here."""
    from importlib import metadata

    providers = metadata.packages_distributions()
    wanted: set[str] = set()
    pending = list(dependencies(project).values())
    while pending:
        requirement = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in wanted:
            continue
        wanted.add(name)
        for text in metadata.distribution(name).requires or []:
            child = Requirement(text)
            for extra in {"", *requirement.extras}:
                if not child.marker or child.marker.evaluate({"extra": extra}):
                    pending.append(child)
    return {
        module
        for module, dists in providers.items()
        if any(canonicalize_name(d) in wanted for d in dists)
    }


@pytest.mark.parametrize(
    ("project", "packages", "refused"),
    [
        (CENTRAL, sorted(SHARED | {"counter.central"}), ("counter.ui", "counter.services")),
        (
            DESKTOP,
            sorted(SHARED | {"counter.services", "counter.printing", "counter.ui"}),
            ("counter.central",),
        ),
    ],
    ids=["central", "desktop"],
)
def test_each_half_imports_only_its_own_dependencies(
    project: dict, packages: list[str], refused: tuple[str, ...]
) -> None:
    code = GUARDED_IMPORTS.format(
        allowed=importable_names(project), packages=packages, refused=refused
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 20


def package_list() -> list[tuple[str, str, str]]:
    rows = []
    for line in (ROOT / "packaging/debian-packages.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            package, group, probe = line.split()[:3]
            rows.append((package, group, probe))
    return rows


def test_one_debian_package_list_for_bootstrap_and_bundle() -> None:
    rows = package_list()
    assert {group for _, group, _ in rows} == {"qt", "fonts", "voice", "printing", "python"}
    # The libraries counter.app names when Qt cannot load are the list's.
    qt = {package for package, group, _ in rows if group == "qt"}
    assert set(QT_LIBRARIES.values()) <= qt
    for script in ("scripts/bootstrap.sh", "scripts/build-bundle.sh"):
        assert "packaging/debian-packages.txt" in (ROOT / script).read_text(encoding="utf-8")


SHELL_SCRIPTS = [
    "scripts/bootstrap.sh",
    "scripts/build-bundle.sh",
    "scripts/try-bundle-fresh-debian.sh",
    "packaging/install.sh",
    "packaging/uninstall.sh",
]


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_shell_scripts_are_strict_and_shellcheck_clean(script: str) -> None:
    text = (ROOT / script).read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
    if shutil.which("shellcheck") is None:
        if os.environ.get("COUNTER_REQUIRE_SHELLCHECK"):
            pytest.fail("shellcheck is missing and COUNTER_REQUIRE_SHELLCHECK is set (.ci/run)")
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run(
        ["shellcheck", str(ROOT / script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_the_central_unit_is_valid_and_hardened(tmp_path: Path) -> None:
    text = (ROOT / "packaging/files/counter-central.service").read_text(encoding="utf-8")
    for setting in (
        "User=counter-central",
        "Restart=on-failure",
        "StateDirectory=counter-central",
        "WorkingDirectory=/var/lib/counter-central",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/counter-central",
    ):
        assert setting in text.splitlines(), setting
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "counter-central.service"
    unit.write_text(text.replace("@PREFIX@", "/opt/counter"), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The program is not installed here: that is the only complaint allowed.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/counter/central/bin/counter-central" not in line
    ]
    assert not problems, "\n".join(problems)


def test_desktop_entries_run_the_launchers() -> None:
    files = ROOT / "packaging/files"
    for name in ("counter", "counter-kiosk", "counter-board", "counter-rate"):
        text = (files / f"{name}.desktop").read_text(encoding="utf-8")
        assert f"Exec=@BIN@/{name}\n" in text
        assert "Icon=counter\n" in text
    assert (files / "counter.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (files / "counter.svg").read_text(encoding="utf-8")
