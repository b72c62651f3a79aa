"""Forward-only, numbered migrations of the local store.

Each migration runs in one transaction with the record of it (sqlite-utils
``Migrations``, kept in ``_sqlite_migrations``); the count is also written to
``PRAGMA user_version`` so an older Counter can recognise a newer file and refuse it.
Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("counter")


def run_script(db: Database, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would commit the migration's
    transaction half-way and break its all-or-nothing promise."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@MIGRATIONS(name="0001_foundation")
def m0001_foundation(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            device_id TEXT NOT NULL,
            next_seq INTEGER NOT NULL DEFAULT 1,
            hlc TEXT NOT NULL DEFAULT '000000000000000-000000',
            created_at TEXT NOT NULL
        );
        -- Every write the central must see, in device order; cleared only on its ack.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            op_id TEXT NOT NULL UNIQUE,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('insert', 'upsert', 'delete', 'event')),
            payload TEXT NOT NULL,
            hlc TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'refused')),
            refused_reason TEXT
        );
        CREATE INDEX outbox_row ON outbox (table_name, row_id);

        CREATE TABLE catalog_versions (
            version TEXT PRIMARY KEY,
            loaded_at TEXT NOT NULL,
            source TEXT NOT NULL,
            demo INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL,
            added TEXT NOT NULL DEFAULT '[]',
            retired TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE departments (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );
        CREATE TABLE materials (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            shared_source TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE items (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            department TEXT NOT NULL REFERENCES departments (code),
            source TEXT NOT NULL,
            legal_days REAL NOT NULL,
            promised_days REAL NOT NULL,
            fee REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
            since_version TEXT NOT NULL,
            changed_version TEXT NOT NULL
        );
        CREATE TABLE item_materials (
            item_code TEXT NOT NULL REFERENCES items (code),
            material_id TEXT NOT NULL REFERENCES materials (id),
            position INTEGER NOT NULL,
            form TEXT NOT NULL,
            copies INTEGER NOT NULL,
            required INTEGER NOT NULL,
            condition TEXT NOT NULL DEFAULT '',
            rongque INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (item_code, material_id)
        );
        CREATE TABLE bundles (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            promised_days REAL NOT NULL,
            fee REAL NOT NULL DEFAULT 0,
            description TEXT NOT NULL DEFAULT '',
            stages TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'active'
        );
        CREATE TABLE bundle_items (
            bundle_code TEXT NOT NULL REFERENCES bundles (code),
            item_code TEXT NOT NULL REFERENCES items (code),
            position INTEGER NOT NULL,
            PRIMARY KEY (bundle_code, item_code)
        );

        CREATE TABLE holidays (
            day TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
            name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL
        );
        -- Years whose official table is entered; beyond them deadlines are provisional.
        CREATE TABLE holiday_years (
            year INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            entered_at TEXT NOT NULL
        );

        CREATE TABLE staff (
            id TEXT PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('clerk', 'specialist', 'supervisor', 'admin')),
            password_hash TEXT NOT NULL,
            certificate_no TEXT NOT NULL DEFAULT '',
            certificate_expiry TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        """,
    )


SCHEMA_VERSION = len(MIGRATIONS._migrations)
