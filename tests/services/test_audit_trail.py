"""Audited actions leave one entry each, in the same transaction as the action."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.assets import demo_catalog_text
from counter.model.cases import Action
from counter.model.errors import NotAllowedError
from counter.model.intake import Decision
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeRequest
from counter.store import audit_log
from tests.services.test_cases_service import form, received


def actions(db: Database) -> list[tuple[str, str]]:
    return [(e["action"], e["staff_name"]) for e in audit_log.entries(db)]


def test_a_decision_and_an_unmasked_view_are_logged(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    request = IntakeRequest("SCJG-0002", form(), received(intake, "SCJG-0002"), Decision.ACCEPT)
    case = intake.decide(clerk, request, now).case
    cases.unmask(clerk, case.id, now)
    assert actions(db) == [("decision", "李娜"), ("unmask", "李娜")]
    assert {e["target"] for e in audit_log.entries(db)} == {f"cases:{case.id}"}
    assert all(e["window"] == clerk.window for e in audit_log.entries(db))


def test_a_refused_decision_logs_nothing(services, clerk, now, db) -> None:  # type: ignore[no-untyped-def]
    intake, cases = services
    request = IntakeRequest("SCJG-0002", form(), received(intake, "SCJG-0002"), Decision.ACCEPT)
    case = intake.decide(clerk, request, now).case
    before = len(audit_log.entries(db))
    with pytest.raises(NotAllowedError):
        cases.act(clerk, case.id, Action.DELIVER, now)
    assert len(audit_log.entries(db)) == before


def test_a_catalog_import_is_logged_for_the_supervisor(db, supervisor, now: datetime) -> None:  # type: ignore[no-untyped-def]
    CatalogService(db).import_catalog(supervisor, demo_catalog_text(), "file", now)
    assert actions(db)[-1] == ("catalog", "张伟")
