from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from counter.model.catalog import Item, ItemStatus
from counter.store import catalog_store


def test_the_demo_catalog_round_trips_through_the_store(db: Database) -> None:
    catalog = catalog_store.load_catalog(db)
    assert catalog is not None and catalog.demo
    bundle = next(b for b in catalog.bundles if b.name == "企业开办")
    assert catalog.bundle_checklist(bundle).asked_count > 0


def test_an_item_left_out_of_a_new_version_is_retired_not_deleted(
    db: Database, now: datetime
) -> None:
    catalog = catalog_store.load_catalog(db)
    assert catalog is not None
    dropped: Item = next(
        i for i in catalog.active_items if all(i.code not in b.item_codes for b in catalog.bundles)
    )
    newer = replace(
        catalog, version="v-next", items=tuple(i for i in catalog.items if i is not dropped)
    )
    catalog_store.save_catalog(db, newer, source="test", now=now + timedelta(minutes=1))
    reloaded = catalog_store.load_catalog(db)
    assert reloaded is not None and reloaded.version == "v-next"
    kept = reloaded.item(dropped.code)
    assert kept.status is ItemStatus.RETIRED
    assert kept.materials == dropped.materials
    history = list(db.query("SELECT version, retired FROM catalog_versions ORDER BY loaded_at"))
    assert [h["version"] for h in history][-1] == "v-next"
    assert dropped.code in history[-1]["retired"]


def test_a_bundle_s_applicant_kind_round_trips_through_the_store(db: Database) -> None:
    catalog = catalog_store.load_catalog(db)
    assert catalog is not None
    applicants = {b.code: b.applicant for b in catalog.bundles}
    assert applicants["YJS-XSECS"] == "个人" and applicants["YJS-QYKB"] == "企业"


def test_a_store_that_loaded_the_demo_catalog_before_bundles_had_applicants_is_put_right(
    tmp_path: Path, now: datetime
) -> None:
    """新生儿出生一件事 stayed 企业 on counters seeded before migration 0019 (issue 28)."""
    from counter.assets import demo_catalog_text
    from counter.model.catalog_file import parse_catalog
    from counter.store.migrations import MIGRATIONS

    db = Database(tmp_path / "old.db")
    MIGRATIONS.apply(db, stop_before="0023_personal_bundles")
    catalog_store.save_catalog(db, parse_catalog(demo_catalog_text()), source="demo", now=now)
    db.execute("UPDATE bundles SET applicant = '企业'")  # as 0019 left them
    MIGRATIONS.apply(db)
    personal = {r[0] for r in db.execute("SELECT code FROM bundles WHERE applicant = '个人'")}
    assert personal == {"YJS-XSECS", "YJS-ESFJY"}
