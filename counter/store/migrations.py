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


@MIGRATIONS(name="0002_cases")
def m0002_cases(db: Database) -> None:
    run_script(
        db,
        """
        -- Applicants are mutable (last writer wins); the key is kind + identifier, so the
        -- same enterprise met at two counters offline is one row after sync.
        CREATE TABLE applicants (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            id_number TEXT NOT NULL,
            name TEXT NOT NULL,
            legal_rep TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX applicants_id_number ON applicants (id_number);
        CREATE INDEX applicants_phone ON applicants (phone);

        CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            parent_id TEXT REFERENCES cases (id),
            position INTEGER NOT NULL DEFAULT 0,
            item_code TEXT,
            bundle_code TEXT,
            title TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            rongque INTEGER NOT NULL DEFAULT 0,
            deemed_accepted INTEGER NOT NULL DEFAULT 0,
            applicant_id TEXT NOT NULL REFERENCES applicants (id),
            applicant_kind TEXT NOT NULL,
            applicant_name TEXT NOT NULL,
            applicant_id_number TEXT NOT NULL,
            applicant_phone TEXT NOT NULL DEFAULT '',
            agent_name TEXT NOT NULL DEFAULT '',
            agent_id_number TEXT NOT NULL DEFAULT '',
            clerk_id TEXT NOT NULL,
            clerk_name TEXT NOT NULL,
            window TEXT NOT NULL,
            catalog_version TEXT NOT NULL,
            ticket_id TEXT,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            notice_at TEXT,
            accepted_at TEXT,
            promised_days REAL NOT NULL DEFAULT 0,
            legal_days REAL NOT NULL DEFAULT 0,
            extension_days INTEGER NOT NULL DEFAULT 0,
            promised_due TEXT,
            legal_due TEXT,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            paused_at TEXT,
            paused_days INTEGER NOT NULL DEFAULT 0,
            decision TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            other_office TEXT NOT NULL DEFAULT '',
            delivery_method TEXT NOT NULL DEFAULT '',
            delivery_address TEXT NOT NULL DEFAULT '',
            waybill TEXT NOT NULL DEFAULT '',
            asked_count INTEGER NOT NULL DEFAULT 0,
            naive_count INTEGER NOT NULL DEFAULT 0,
            exempt_count INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX cases_parent ON cases (parent_id);
        CREATE INDEX cases_created ON cases (created_at);
        CREATE INDEX cases_applicant_name ON cases (applicant_name);
        CREATE INDEX cases_applicant_id_number ON cases (applicant_id_number);
        CREATE INDEX cases_applicant_phone ON cases (applicant_phone);
        CREATE INDEX cases_state ON cases (state, department);
        CREATE INDEX cases_clerk ON cases (clerk_id, created_at);
        CREATE INDEX cases_item ON cases (clerk_id, item_code, bundle_code);

        -- Append-only: the case's history, and what sync carries without conflicts.
        CREATE TABLE case_events (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases (id),
            action TEXT NOT NULL,
            from_state TEXT,
            to_state TEXT NOT NULL,
            at TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            window TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX case_events_case ON case_events (case_id, at);

        -- The checklist as worked at the window (on the parent of a bundle).
        CREATE TABLE case_materials (
            case_id TEXT NOT NULL REFERENCES cases (id),
            material_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            form TEXT NOT NULL,
            copies_required INTEGER NOT NULL,
            required INTEGER NOT NULL,
            rongque INTEGER NOT NULL,
            shared_source TEXT,
            asked_by TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL,
            copies INTEGER NOT NULL DEFAULT 0,
            promised_due TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (case_id, material_id)
        );

        -- Running numbers per scope (the case number without its sequence).
        CREATE TABLE case_sequences (
            scope TEXT PRIMARY KEY,
            next INTEGER NOT NULL
        );

        -- Who saw an ID number or phone unmasked, when, on which record (DOMAIN.md).
        CREATE TABLE unmask_log (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            window TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            what TEXT NOT NULL
        );

        -- Chinese substring search: trigram tokens (the default tokenizer finds nothing).
        CREATE VIRTUAL TABLE cases_fts USING fts5 (
            number, applicant_name, applicant_id_number, applicant_phone, agent_name,
            content = 'cases', content_rowid = 'rowid', tokenize = 'trigram'
        );
        """,
    )
    # Trigger bodies hold ";" themselves, so each runs whole rather than through run_script.
    for trigger in (
        """
        CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
        INSERT INTO cases_fts (rowid, number, applicant_name, applicant_id_number,
        applicant_phone, agent_name)
        VALUES (new.rowid, new.number, new.applicant_name,
        new.applicant_id_number, new.applicant_phone, new.agent_name);
        END;
        """,
        """
        CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
        INSERT INTO cases_fts (cases_fts, rowid, number, applicant_name,
        applicant_id_number, applicant_phone, agent_name)
        VALUES ('delete', old.rowid, old.number, old.applicant_name,
        old.applicant_id_number, old.applicant_phone, old.agent_name);
        END;
        """,
        """
        CREATE TRIGGER cases_fts_update AFTER UPDATE OF number, applicant_name,
        applicant_id_number, applicant_phone, agent_name ON cases BEGIN
        INSERT INTO cases_fts (cases_fts, rowid, number, applicant_name,
        applicant_id_number, applicant_phone, agent_name)
        VALUES ('delete', old.rowid, old.number, old.applicant_name,
        old.applicant_id_number, old.applicant_phone, old.agent_name);
        INSERT INTO cases_fts (rowid, number, applicant_name, applicant_id_number,
        applicant_phone, agent_name)
        VALUES (new.rowid, new.number, new.applicant_name,
        new.applicant_id_number, new.applicant_phone, new.agent_name);
        END
        """,
    ):
        db.execute(trigger)


@MIGRATIONS(name="0004_printing")
def m0004_printing(db: Database) -> None:
    run_script(
        db,
        """
        -- The print spool: a job leaves only as done, cancelled or failed; its bytes stay
        -- so it can be reprinted from history.
        CREATE TABLE print_jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            reference TEXT NOT NULL DEFAULT '',
            target TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'printing', 'done', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            next_attempt_at TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            window TEXT NOT NULL DEFAULT '',
            unmasked INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            printed_at TEXT,
            reprint_of TEXT REFERENCES print_jobs (id),
            pdf BLOB NOT NULL,
            escpos BLOB
        );
        CREATE INDEX print_jobs_due ON print_jobs (status, next_attempt_at);
        CREATE INDEX print_jobs_reference ON print_jobs (reference);
        CREATE INDEX print_jobs_created ON print_jobs (created_at)
        """,
    )


SCHEMA_VERSION = len(MIGRATIONS._migrations)
