"""What a running central says of itself: its start-up line, ``/v1/health``, ``/metrics``."""

from __future__ import annotations

from dataclasses import dataclass, field

from counter.central.migrations import latest


@dataclass(frozen=True)
class About:
    """What a running central says of itself: in its start-up line, ``/v1/health`` and
    ``/metrics``."""

    version: str = field(default_factory=lambda: central_version())
    schema_version: int = field(default_factory=lambda: latest())
    data_dir: str | None = None


def central_version() -> str:
    """The installed distribution's version: ``counter-central`` on a server, the
    development venv's ``counter`` otherwise."""
    from importlib.metadata import PackageNotFoundError, version

    for name in ("counter-central", "counter"):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "unknown"
