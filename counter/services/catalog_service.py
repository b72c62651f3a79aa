"""The catalog as the counter uses it: one loaded version, searchable, checklists merged."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.catalog import Bundle, Catalog, Checklist, Item
from counter.model.catalog_file import parse_catalog
from counter.model.catalog_search import CatalogEntry, CatalogIndex
from counter.model.errors import NotFoundError
from counter.model.staff import Role
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import catalog_store
from counter.store.db import immediate


class CatalogService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.reload()

    def reload(self) -> None:
        catalog = catalog_store.load_catalog(self.db)
        if catalog is None:
            raise NotFoundError("本机还没有事项目录，请导入目录或连接中心同步")
        self.catalog: Catalog = catalog
        self.index = CatalogIndex(catalog)

    def search(self, query: str, *, include_retired: bool = False) -> list[CatalogEntry]:
        return self.index.search(query, include_retired=include_retired)

    def checklist(self, target: Item | Bundle) -> Checklist:
        if isinstance(target, Bundle):
            return self.catalog.bundle_checklist(target)
        return target.checklist()

    def department_name(self, code: str) -> str:
        return self.catalog.department(code).name

    def import_catalog(self, session: Session, text: str, source: str, now: datetime) -> Catalog:
        """A supervisor loads a new catalog version; a faulty file changes nothing."""
        session.require(Role.SUPERVISOR)
        catalog = parse_catalog(text)
        with immediate(self.db):
            catalog_store.save_catalog(self.db, catalog, source=source, now=now)
            detail = {"version": catalog.version, "source": source, "items": len(catalog.items)}
            target = f"catalog:{catalog.version}"
            audit_trail.record(self.db, session, AuditAction.CATALOG, target, detail, now)
        self.reload()
        return catalog
