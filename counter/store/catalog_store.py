"""The catalog in the store: versions kept, items never deleted, only retired.

Old cases point at items that may since have left the catalog, so an item missing
from a newer version is marked retired and keeps its row and its materials.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database

from counter.model.clock import iso

# The catalog's model comes with the first save or load: every start asks only for the
# current version (counter.services.bootstrap), and a kiosk or a board needs no more.
if TYPE_CHECKING:
    from counter.model.catalog import Catalog, Item


def current_version(db: Database) -> str | None:
    row = db.execute(
        "SELECT version FROM catalog_versions ORDER BY loaded_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def save_catalog(db: Database, catalog: Catalog, *, source: str, now: datetime) -> None:
    """Load a catalog version in one transaction: all of it or none of it."""
    from counter.model.catalog import ItemStatus

    with db.atomic():
        known = {r[0]: r[1] for r in db.execute("SELECT code, status FROM items").fetchall()}
        incoming = {i.code for i in catalog.items}
        added = sorted(incoming - known.keys())
        retired = sorted(
            code
            for code, status in known.items()
            if status == ItemStatus.ACTIVE and code not in incoming
        )
        retired += sorted(
            i.code for i in catalog.items if not i.active and known.get(i.code) == ItemStatus.ACTIVE
        )
        db.table("departments").upsert_all(
            [{"code": d.code, "name": d.name} for d in catalog.departments], pk="code"
        )
        db.table("materials").upsert_all(
            [
                {"id": m.id, "name": m.name, "shared_source": m.shared_source, "note": m.note}
                for m in catalog.materials
            ],
            pk="id",
        )
        for item in catalog.items:
            _save_item(db, item, catalog.version, is_new=item.code in added)
        if retired:
            db.execute(
                f"UPDATE items SET status = 'retired', changed_version = ? "
                f"WHERE code IN ({','.join('?' * len(retired))})",
                [catalog.version, *retired],
            )
        db.execute("DELETE FROM bundle_items")
        db.execute("UPDATE bundles SET status = 'retired'")
        for bundle in catalog.bundles:
            db.table("bundles").upsert(
                {
                    "code": bundle.code,
                    "name": bundle.name,
                    "promised_days": bundle.promised_days,
                    "fee": bundle.fee,
                    "description": bundle.description,
                    "stages": json.dumps(list(bundle.stages), ensure_ascii=False),
                    "applicant": bundle.applicant,
                    "status": "active",
                },
                pk="code",
            )
            db.table("bundle_items").insert_all(
                [
                    {"bundle_code": bundle.code, "item_code": code, "position": n}
                    for n, code in enumerate(bundle.item_codes)
                ]
            )
        db.table("catalog_versions").upsert(
            {
                "version": catalog.version,
                "loaded_at": iso(now),
                "source": source,
                "demo": int(catalog.demo),
                "items": len(catalog.items),
                "added": json.dumps(added),
                "retired": json.dumps(sorted(set(retired))),
            },
            pk="version",
        )


def _save_item(db: Database, item: Item, version: str, *, is_new: bool) -> None:
    row = {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "source": item.source.value,
        "legal_days": item.legal_days,
        "promised_days": item.promised_days,
        "fee": item.fee,
        "status": item.status.value,
        "changed_version": version,
    }
    if is_new:
        db.table("items").insert({**row, "since_version": version})
    else:
        db.table("items").update(item.code, row)
    db.execute("DELETE FROM item_materials WHERE item_code = ?", [item.code])
    db.table("item_materials").insert_all(
        [
            {
                "item_code": item.code,
                "material_id": need.material.id,
                "position": n,
                "form": need.form.value,
                "copies": need.copies,
                "required": int(need.required),
                "condition": need.condition,
                "rongque": int(need.rongque),
            }
            for n, need in enumerate(item.materials)
        ]
    )


def load_catalog(db: Database) -> Catalog | None:
    """The catalog as the store holds it now (retired items included), or None if empty."""
    from counter.model.catalog import (
        Bundle,
        Catalog,
        Department,
        Item,
        ItemMaterial,
        ItemSource,
        ItemStatus,
        Material,
        MaterialForm,
    )

    version_row = db.execute(
        "SELECT version, demo FROM catalog_versions ORDER BY loaded_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    if version_row is None:
        return None
    materials = {
        r["id"]: Material(r["id"], r["name"], r["shared_source"], r["note"])
        for r in db.query("SELECT * FROM materials ORDER BY id")
    }
    needs: dict[str, list[ItemMaterial]] = {}
    for r in db.query("SELECT * FROM item_materials ORDER BY item_code, position"):
        needs.setdefault(r["item_code"], []).append(
            ItemMaterial(
                material=materials[r["material_id"]],
                form=MaterialForm(r["form"]),
                copies=r["copies"],
                required=bool(r["required"]),
                condition=r["condition"],
                rongque=bool(r["rongque"]),
            )
        )
    items = tuple(
        Item(
            code=r["code"],
            name=r["name"],
            department=r["department"],
            source=ItemSource(r["source"]),
            legal_days=r["legal_days"],
            promised_days=r["promised_days"],
            fee=r["fee"],
            status=ItemStatus(r["status"]),
            materials=tuple(needs.get(r["code"], ())),
        )
        for r in db.query("SELECT * FROM items ORDER BY code")
    )
    members: dict[str, list[str]] = {}
    for r in db.query("SELECT * FROM bundle_items ORDER BY bundle_code, position"):
        members.setdefault(r["bundle_code"], []).append(r["item_code"])
    bundles = tuple(
        Bundle(
            code=r["code"],
            name=r["name"],
            item_codes=tuple(members.get(r["code"], ())),
            promised_days=r["promised_days"],
            fee=r["fee"],
            description=r["description"],
            stages=tuple(json.loads(r["stages"])),
            applicant=r["applicant"],
        )
        for r in db.query("SELECT * FROM bundles WHERE status = 'active' ORDER BY rowid")
    )
    departments = tuple(
        Department(r["code"], r["name"]) for r in db.query("SELECT * FROM departments")
    )
    return Catalog(
        version=version_row[0],
        departments=departments,
        materials=tuple(materials.values()),
        items=items,
        bundles=bundles,
        demo=bool(version_row[1]),
    )
