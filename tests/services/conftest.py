"""What the service tests share: the intake and cases services on the test store, and
the two demo staff who work them (李娜 at window 3, the duty supervisor 张伟 at 1),
signed in at ``now`` (a module pins its own morning by overriding ``now``)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeService
from counter.services.session import Session, sign_in


@pytest.fixture
def services(db: Database) -> tuple[IntakeService, CasesService]:
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    return intake, CasesService(db, intake, calendar, settings)


@pytest.fixture
def clerk(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "3", now)


@pytest.fixture
def supervisor(db: Database, now: datetime) -> Session:
    return sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
