"""Wheels for what is installed in this Python's environment, without a network.

    python packaging/wheels_from_venv.py OUT_DIR pyproject.toml packaging/central/pyproject.toml

Reads each pyproject.toml's dependencies and build requirements, follows their
requirements through the installed distributions (markers and extras evaluated here),
and writes one wheel per distribution into OUT_DIR, repacked from the files its RECORD
lists. Run it with the interpreter of the venv that holds them (the development venv
holds both halves). Editable installs (the project itself) are skipped: build those with
``pip wheel``.

This is how tests/test_bundle.py builds an offline bundle on a machine with no
internet (``scripts/build-bundle.sh --wheels-from OUT_DIR``), with exactly the versions
the tests ran against. A hall's bundle is normally built from PyPI instead.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: The project's own distributions: built from source, never repacked.
OWN = {"counter", "counter-central"}


def requirements_of(pyproject: Path) -> list[Requirement]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    listed = [*data["project"].get("dependencies", []), *data["build-system"]["requires"]]
    return [Requirement(text) for text in listed]


def closure(roots: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the roots need, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    pending: list[tuple[Requirement, str]] = [(r, "") for r in roots]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in OWN:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{requirement.name} is needed but not installed here") from None
        if dist.version not in requirement.specifier:
            print(f"note: {name} {dist.version} is installed, {requirement} asked", file=sys.stderr)
        new_extras = set(requirement.extras) - extras_seen.setdefault(name, set())
        if name in found and not new_extras:
            continue
        found[name] = dist
        extras_seen[name] |= new_extras
        for text in dist.requires or []:
            child = Requirement(text)
            for wanted in {"", *extras_seen[name]}:
                pending.append((child, wanted))
    return found


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _is_editable(dist: metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    return bool(text) and json.loads(text).get("dir_info", {}).get("editable", False)


def repack(dist: metadata.Distribution, out: Path) -> Path:
    """One wheel from an installed distribution's files (its RECORD), as pip installed it."""
    files = list(dist.files or [])
    if not files:
        raise SystemExit(f"{dist.metadata['Name']} has no RECORD: cannot repack it")
    root = Path(str(dist.locate_file("")))
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    stem = info.removesuffix(".dist-info")
    wheel_text = dist.read_text("WHEEL") or ""
    tags = [
        line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if line.startswith("Tag:")
    ]
    pythons, abis, platforms = (sorted({t.split("-")[i] for t in tags}) for i in range(3))
    name = f"{stem}-{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}.whl"
    groups = ("console_scripts", "gui_scripts")
    scripts = {ep.name for ep in dist.entry_points if ep.group in groups}
    skipped = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
    records: list[tuple[str, str, str]] = []
    target = out / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        entries: list[tuple[str, Path]] = []
        for file in files:
            parts = file.parts
            if "__pycache__" in parts or (parts[0] == info and parts[-1] in skipped):
                continue
            if parts[0] == "..":  # a script pip put in the venv's bin/: the wheel's data
                if len(parts) < 2 or parts[-2] != "bin" or parts[-1] in scripts:
                    continue
                entries.append((f"{stem}.data/scripts/{parts[-1]}", root / file))
                continue
            entries.append(("/".join(parts), root / file))
        entries.sort(key=lambda e: (e[0].startswith(info + "/"), e[0]))
        for arcname, path in entries:
            data = path.read_bytes()
            if arcname.startswith(f"{stem}.data/scripts/") and data.startswith(b"#!"):
                first, _, rest = data.partition(b"\n")
                if b"python" in first:  # pip writes the venv's own interpreter in again
                    data = b"#!python\n" + rest
            info_zip = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info_zip.external_attr = (path.stat().st_mode & 0xFFFF) << 16
            archive.writestr(info_zip, data)
            records.append((arcname, _digest(data), str(len(data))))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([*records, (f"{info}/RECORD", "", "")])
        archive.writestr(f"{info}/RECORD", buffer.getvalue())
    return target


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    roots = [r for pyproject in argv[1:] for r in requirements_of(Path(pyproject))]
    for name, dist in sorted(closure(roots).items()):
        if _is_editable(dist):
            continue
        wheel = repack(dist, out)
        print(f"{name} {dist.version}: {wheel.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
