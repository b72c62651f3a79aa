"""First start: a store that works out of the box, on demo data marked as such."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from counter.log import store as log
from counter.model.staff import Role, Staff, hash_password
from counter.store import (
    backup,
    catalog_store,
    holidays,
    outbox,
    queue_store,
    staff_store,
    store_lock,
)
from counter.store.db import DB_FILE, check_if_due, close_store, open_store
from counter.store.hall_settings import published as published_settings
from counter.store.paths import config_file, data_dir

#: Where the desktop finds its store and settings, for the composition root; and how
#: it closes the store (the next start then skips the integrity check) and runs the
#: weekly check on a worker thread (counter.store.db).
__all__ = [
    "DB_FILE",
    "check_if_due",
    "close_store",
    "config_file",
    "data_dir",
    "open_counter_store",
    "published_settings",
]

DEMO_PASSWORD = "counter-demo"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    name: str
    role: Role
    certificate_no: str
    certificate_expiry: date | None


# Printed in README.md as the demo credentials; one account has an expired certificate
# so the refusal can be seen.
DEMO_ACCOUNTS = (
    DemoAccount("zhangwei", "张伟", Role.SUPERVISOR, "ZW-2024-0001", date(2028, 6, 30)),
    DemoAccount("lina", "李娜", Role.CLERK, "ZW-2024-0107", date(2028, 6, 30)),
    DemoAccount("wangqiang", "王强", Role.SPECIALIST, "", None),
    DemoAccount("zhaolei", "赵磊", Role.CLERK, "ZW-2021-0033", date(2024, 12, 31)),
    DemoAccount("admin", "系统管理员", Role.ADMIN, "", None),
)


def seed_demo_staff(db: Database, now: datetime) -> None:
    for n, account in enumerate(DEMO_ACCOUNTS, start=1):
        staff_store.save_staff(
            db,
            Staff(
                id=f"demo-{n:03d}",
                login=account.login,
                name=account.name,
                role=account.role,
                password_hash=hash_password(DEMO_PASSWORD),
                certificate_no=account.certificate_no,
                certificate_expiry=account.certificate_expiry,
            ),
            now,
        )


def prepare_store(db: Database, now: datetime) -> None:
    """Give a new store its identity, holiday table, demo catalog and demo staff."""
    outbox.ensure_device(db, now)
    if not holidays.is_seeded(db):
        count = holidays.seed_from_package(db, now)
        log.info("seeded %d holiday rows from chinesecalendar", count)
    if catalog_store.current_version(db) is None:
        # Only a new store reads the demo catalog: its parser (and stdnum) load then.
        from counter.assets import demo_catalog_text
        from counter.model.catalog_file import parse_catalog

        catalog = parse_catalog(demo_catalog_text())
        catalog_store.save_catalog(db, catalog, source="demo", now=now)
        log.info("seeded demo catalog %s (%d items)", catalog.version, len(catalog.items))
    if staff_store.count(db) == 0:
        seed_demo_staff(db, now)
        log.info("seeded %d demo staff accounts", len(DEMO_ACCOUNTS))
    queue_store.seed_demo_appointments(db, now.date())


def open_counter_store(data_dir: Path, now: datetime) -> Database:
    """The app's store, ready to use. This process holds the store's shared lock from
    here until it exits (:mod:`counter.store.store_lock`): a restore waits for it."""
    kept = backup.apply_pending_restore(data_dir / DB_FILE, now)  # staged from the menu
    if kept is not None:
        log.warning("restored the store from a backup; the old one is kept at %s", kept)
    store_lock.hold_while_running(data_dir / DB_FILE)
    db = open_store(data_dir / DB_FILE)
    try:
        prepare_store(db, now)
    except BaseException:
        db.close()
        raise
    return db
