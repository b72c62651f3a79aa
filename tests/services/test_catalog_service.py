from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.catalog_file import CatalogFileError
from counter.model.errors import NotAllowedError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.catalog_service import CatalogService
from counter.services.session import sign_in


def test_a_clerk_cannot_import_a_catalog(db: Database, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    with pytest.raises(NotAllowedError, match="值班长"):
        CatalogService(db).import_catalog(clerk, "", "file", now)


def test_a_malformed_catalog_changes_nothing(db: Database, now: datetime) -> None:
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    service = CatalogService(db)
    before = service.catalog
    with pytest.raises(CatalogFileError):
        service.import_catalog(supervisor, '[meta]\nversion = "bad"\n', "file", now)
    assert CatalogService(db).catalog == before
