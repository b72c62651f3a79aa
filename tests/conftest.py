"""Shared fixtures: a fixed clock, and fresh stores copied from one seeded template."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read or write the person's own settings file.
os.environ["COUNTER_CONFIG"] = str(
    Path(tempfile.mkdtemp(prefix="counter-config-")) / "settings.toml"
)

from sqlite_utils import Database

from counter.model.clock import HALL_TZ
from counter.services.bootstrap import prepare_store
from counter.store.db import DB_FILE, open_store

FIXED_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)

# Property tests pin what happens, never how fast: hypothesis's 200 ms deadline per
# example is a timed assertion, and CI is a loaded 2-core machine.
settings.register_profile("counter", deadline=None)
settings.load_profile("counter")


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeding hashes demo passwords with argon2: do it once, copy the file per test."""
    folder = tmp_path_factory.mktemp("template")
    db = open_store(folder / DB_FILE)
    prepare_store(db, FIXED_NOW)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return folder / DB_FILE


@pytest.fixture
def store_path(tmp_path: Path, seeded_template: Path) -> Path:
    path = tmp_path / "data" / DB_FILE
    path.parent.mkdir()
    shutil.copy(seeded_template, path)
    return path


@pytest.fixture
def db(store_path: Path) -> Iterator[Database]:
    database = open_store(store_path)
    yield database
    database.close()
