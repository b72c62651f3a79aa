"""A real central in a subprocess on a loopback port (see sync_support)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_support import Central, central_for

from tests.postgres import scratch_database

CHROMIUM = os.environ.get("COUNTER_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_database("counter_sync_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    server = central_for(request.param, tmp_path, request)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    server = central_for("sqlite", tmp_path, request)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def two_process_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    """PostgreSQL served by two processes on one port (``serve --workers 2``)."""
    server = central_for("postgres", tmp_path, request, workers=2)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright (its own browser download is not reachable
    here). Skipped where chromium is missing, unless COUNTER_REQUIRE_BROWSER (.ci/run)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("COUNTER_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and COUNTER_REQUIRE_BROWSER is set")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
