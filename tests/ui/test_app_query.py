"""``counter --screenshot out.png --query qykb`` (README's line) opens the catalogue, where
the query is typed; a ``--query`` that cannot be used says so instead of vanishing."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.app import CATALOG_PAGE, parse_args, screenshot_page
from counter.model.settings import Settings
from counter.ui.application import Desk, demo_session


def settled(*words: str) -> tuple[argparse.Namespace, list[str]]:
    args = parse_args(list(words))
    return args, screenshot_page(args)


def test_a_query_alone_opens_the_catalogue() -> None:
    args, notes = settled("--screenshot", "w.png", "--query", "qykb")
    assert args.page == CATALOG_PAGE and notes == []


def test_no_query_no_page_is_the_first_page() -> None:
    args, notes = settled("--screenshot", "w.png")
    assert args.page == 0 and notes == []


def test_a_query_on_another_page_is_said_to_be_ignored() -> None:
    args, notes = settled("--screenshot", "w.png", "--page", "2", "--query", "qykb")
    assert args.page == 2
    assert len(notes) == 1 and f"--page {CATALOG_PAGE}" in notes[0] and "忽略" in notes[0]


def test_page_and_query_without_a_screenshot_are_said_to_be_ignored() -> None:
    _args, notes = settled("--query", "qykb")
    assert notes == ["--page 和 --query 只与 --screenshot 同用，已忽略"]


def test_the_catalogue_is_where_the_screenshot_sidebar_has_it(
    desk: Desk, db: Database, clock: Callable[[], datetime]
) -> None:
    """The screenshot signs in the demo supervisor at the settings' window."""
    window = desk.open(demo_session(db, Settings()["window_number"], clock()))
    assert window.pages.row("catalog") == CATALOG_PAGE


def test_main_prints_the_note(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import counter.ui.application as application

    seen: list[int] = []
    monkeypatch.setattr(application, "run", lambda args, clock: seen.append(args.page) or 0)
    from counter.app import main

    assert main(["--screenshot", "x.png", "--page", "1", "--query", "qykb"]) == 0
    assert seen == [1]
    assert "查询被忽略" in capsys.readouterr().err
