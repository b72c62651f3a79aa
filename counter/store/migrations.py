"""Forward-only, numbered migrations of the local store.

Each migration runs in one transaction with the record of it (sqlite-utils
``Migrations``, kept in ``_sqlite_migrations``); the count is also written to
``PRAGMA user_version`` so an older Counter can recognise a newer file and refuse it.
Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

from typing import Any

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

        -- Who saw an ID number or phone unmasked, when, on which record (docs/domain.md).
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


@MIGRATIONS(name="0003_queue")
def m0003_queue(db: Database) -> None:
    run_script(
        db,
        """
        -- Business categories: letter prefix, name, the windows serving them (comma list).
        CREATE TABLE queue_categories (
            code TEXT PRIMARY KEY CHECK (length(code) = 1),
            name TEXT NOT NULL,
            windows TEXT NOT NULL DEFAULT '',
            sort INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        -- The last number issued per category and numbering key (the day, or 'all').
        CREATE TABLE queue_numbers (
            category TEXT NOT NULL,
            numbering TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (category, numbering)
        );
        CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            category TEXT NOT NULL REFERENCES queue_categories (code),
            number TEXT NOT NULL,
            seq INTEGER NOT NULL,
            issued_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('waiting', 'called', 'serving', 'held', 'done', 'no_show')),
            lane INTEGER NOT NULL CHECK (lane IN (0, 1, 2)),
            queue_key REAL NOT NULL,
            priority_reason TEXT NOT NULL DEFAULT '',
            appointment_code TEXT NOT NULL DEFAULT '',
            person_id TEXT NOT NULL DEFAULT '',
            person_name TEXT NOT NULL DEFAULT '',
            target_window TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            clerk_id TEXT NOT NULL DEFAULT '',
            clerk_name TEXT NOT NULL DEFAULT '',
            first_called_at TEXT,
            last_called_at TEXT,
            call_count INTEGER NOT NULL DEFAULT 0,
            started_at TEXT,
            finished_at TEXT,
            services TEXT NOT NULL DEFAULT '[]',
            cases TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL,
            UNIQUE (day, number)
        );
        CREATE INDEX tickets_waiting ON tickets (day, state, category, lane, queue_key);
        CREATE INDEX tickets_window ON tickets (window, state);
        CREATE INDEX tickets_person ON tickets (person_id, day, category);
        -- Every action on a ticket, in order: the history the board and statistics read.
        CREATE TABLE ticket_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id TEXT NOT NULL REFERENCES tickets (id),
            day TEXT NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            lane INTEGER NOT NULL,
            window TEXT NOT NULL DEFAULT '',
            staff_id TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX ticket_events_day ON ticket_events (day, kind, window);
        CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);
        -- Each change of a clerk's own state (serving, idle, break).
        CREATE TABLE clerk_states (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            window TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('serving', 'idle', 'break')),
            at TEXT NOT NULL,
            day TEXT NOT NULL
        );
        CREATE INDEX clerk_states_day ON clerk_states (day, staff_id);
        CREATE TABLE appointments (
            code TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            category TEXT NOT NULL REFERENCES queue_categories (code),
            name TEXT NOT NULL,
            id_number TEXT NOT NULL,
            slot TEXT NOT NULL DEFAULT '',
            ticket_id TEXT NOT NULL DEFAULT '',
            checked_in_at TEXT
        );
        CREATE INDEX appointments_person ON appointments (id_number, day);
        INSERT INTO queue_categories (code, name, windows, sort, updated_at) VALUES
            ('A', '企业开办', '1,2,3', 1, '2026-01-01T00:00:00.000+08:00'),
            ('B', '税务', '3,4', 2, '2026-01-01T00:00:00.000+08:00'),
            ('C', '社保医保', '5,6', 3, '2026-01-01T00:00:00.000+08:00'),
            ('D', '不动产登记', '7', 4, '2026-01-01T00:00:00.000+08:00'),
            ('E', '公安户政', '8', 5, '2026-01-01T00:00:00.000+08:00'),
            ('F', '综合咨询', '1,2,3,4,5,6,7,8', 6, '2026-01-01T00:00:00.000+08:00')
        """,
    )


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


@MIGRATIONS(name="0005_sync")
def m0005_sync(db: Database) -> None:
    run_script(
        db,
        """
        -- Where this counter stands with the central: the pull cursor moves only in the
        -- transaction that applied its page.
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            central_url TEXT NOT NULL DEFAULT '',
            device_token TEXT NOT NULL DEFAULT '',
            cursor INTEGER NOT NULL DEFAULT 0,
            next_expected_seq INTEGER,
            last_push_at TEXT,
            last_pull_at TEXT,
            last_success_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            blocked INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO sync_state (id) VALUES (1);
        -- The clock of the version of each pulled or acked mutable row held here, so a
        -- pulled upsert applies only when it is newer.
        CREATE TABLE sync_rows (
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            hlc TEXT NOT NULL,
            PRIMARY KEY (table_name, row_id)
        );
        -- What the supervisor did about a refused op; the op itself is never deleted.
        CREATE TABLE sync_refusal_actions (
            op_id TEXT PRIMARY KEY REFERENCES outbox (op_id),
            action TEXT NOT NULL CHECK (action IN ('resubmitted', 'dismissed')),
            new_op_id TEXT,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """,
    )


# Reserved in order so work in progress on several capabilities cannot collide; each
# is filled in by its capability (an empty body creates nothing).
@MIGRATIONS(name="0006_central_queue")
def m0006_central_queue(db: Database) -> None:
    """Number blocks and shared-queue bookkeeping (issue 6)."""
    run_script(
        db,
        """
        -- Ticket numbers the central set aside for this counter, used only while it is
        -- cut off from the central: no number is ever issued twice in the hall.
        CREATE TABLE queue_blocks (
            category TEXT NOT NULL,
            numbering TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            next_seq INTEGER NOT NULL,
            reserved_at TEXT NOT NULL,
            PRIMARY KEY (category, numbering, first_seq)
        );
        -- 1 once the central owns the ticket (handed over on reconnect, or pulled from
        -- another counter): the offline queue never calls such a ticket.
        ALTER TABLE tickets ADD COLUMN handed_over INTEGER NOT NULL DEFAULT 0;
        -- 1 once the central has the handed-over ticket in its queue.
        ALTER TABLE tickets ADD COLUMN reconciled INTEGER NOT NULL DEFAULT 0;
        -- Hall-wide ids for rows that travel: local integer ids collide between counters.
        ALTER TABLE ticket_events ADD COLUMN uid TEXT;
        CREATE UNIQUE INDEX ticket_events_uid ON ticket_events (uid);
        ALTER TABLE clerk_states ADD COLUMN uid TEXT;
        CREATE UNIQUE INDEX clerk_states_uid ON clerk_states (uid);
        -- The outbox is a queue that is nearly empty whenever the central is reachable
        -- (a pull runs only after a push has emptied it), so looking a row up in it
        -- scans a short table; the index cost every local write a page more instead.
        DROP INDEX outbox_row;
        -- Hall settings published by the central; they override this station's file.
        CREATE TABLE hall_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS(name="0007_visits")
def m0007_visits(db: Database) -> None:
    """Site visits, pre-reviews, agent authorisations, gift-pack handover (issue 7)."""
    run_script(
        db,
        """
        -- A specialist's visit log (mutable while the visit is edited; last writer wins).
        CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            uscc TEXT NOT NULL,
            enterprise_name TEXT NOT NULL,
            address TEXT NOT NULL,
            contact TEXT NOT NULL,
            contact_phone TEXT NOT NULL,
            visited_on TEXT NOT NULL,
            place TEXT NOT NULL,
            purpose TEXT NOT NULL,
            items TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT '',
            uscc_warnings TEXT NOT NULL DEFAULT '[]',
            specialist_id TEXT NOT NULL,
            specialist_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX visits_on ON visits (visited_on);
        CREATE INDEX visits_uscc ON visits (uscc);
        -- 跟跑 tasks after a visit (no foreign keys: pulled rows arrive in any order).
        CREATE TABLE visit_tasks (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            text TEXT NOT NULL,
            due TEXT NOT NULL,
            done_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX visit_tasks_visit ON visit_tasks (visit_id);
        -- 预审: the checklist states as marked at the enterprise (append-only).
        CREATE TABLE prereviews (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            target_code TEXT NOT NULL,
            target_name TEXT NOT NULL,
            states TEXT NOT NULL,
            catalog_version TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX prereviews_visit ON prereviews (visit_id);
        -- 代办委托: who acts for which enterprise, on what, until when.
        CREATE TABLE agent_authorisations (
            id TEXT PRIMARY KEY,
            uscc TEXT NOT NULL,
            enterprise_name TEXT NOT NULL,
            agent_name TEXT NOT NULL,
            agent_id_number TEXT NOT NULL,
            scope TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            visit_id TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX agent_authorisations_uscc ON agent_authorisations (uscc);
        -- Draft cases from visits, listed in the hall's intake until a clerk takes one.
        CREATE TABLE case_drafts (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            prereview_id TEXT NOT NULL,
            target_code TEXT NOT NULL,
            target_name TEXT NOT NULL,
            uscc TEXT NOT NULL,
            enterprise_name TEXT NOT NULL,
            legal_rep TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL,
            agent_name TEXT NOT NULL DEFAULT '',
            agent_id_number TEXT NOT NULL DEFAULT '',
            authorisation_id TEXT NOT NULL DEFAULT '',
            states TEXT NOT NULL,
            specialist_id TEXT NOT NULL,
            specialist_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL,
            case_number TEXT NOT NULL DEFAULT '',
            taken_at TEXT,
            taken_by TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX case_drafts_state ON case_drafts (state, created_at);
        -- The gift pack of a 企业开办 case: delivery and the free seal voucher ...
        CREATE TABLE giftpacks (
            case_id TEXT PRIMARY KEY,
            case_number TEXT NOT NULL,
            delivery_method TEXT NOT NULL DEFAULT '',
            delivery_address TEXT NOT NULL DEFAULT '',
            waybill TEXT NOT NULL DEFAULT '',
            voucher_number TEXT NOT NULL DEFAULT '',
            voucher_issued_at TEXT,
            completed_at TEXT,
            updated_at TEXT NOT NULL
        );
        -- ... each line's readiness (ids from case and position: the same on every counter) ...
        CREATE TABLE giftpack_lines (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            unit TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            readiness TEXT NOT NULL,
            handover_id TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX giftpack_lines_case ON giftpack_lines (case_id, position);
        -- ... and every handover, partial ones included (append-only).
        CREATE TABLE giftpack_handovers (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            case_number TEXT NOT NULL,
            line_ids TEXT NOT NULL,
            names TEXT NOT NULL,
            method TEXT NOT NULL,
            recipient_kind TEXT NOT NULL DEFAULT '',
            recipient_name TEXT NOT NULL DEFAULT '',
            recipient_id TEXT NOT NULL DEFAULT '',
            authorisation_id TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            waybill TEXT NOT NULL DEFAULT '',
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            window TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX giftpack_handovers_case ON giftpack_handovers (case_id, at);
        CREATE INDEX giftpack_handovers_at ON giftpack_handovers (at)
        """,
    )


@MIGRATIONS(name="0008_ratings")
def m0008_ratings(db: Database) -> None:
    """好差评, follow-ups, 办不成事 register (issue 8)."""
    run_script(
        db,
        """
        -- Services that may be rated once (a ticket served, a case handed over); made from
        -- the store's own tickets and cases, so the rating pad needs no link to the window.
        CREATE TABLE rating_requests (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('ticket', 'case')),
            source_id TEXT NOT NULL,
            reference TEXT NOT NULL,
            case_number TEXT NOT NULL DEFAULT '',
            item_code TEXT NOT NULL DEFAULT '',
            item_name TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            clerk_id TEXT NOT NULL DEFAULT '',
            clerk_name TEXT NOT NULL DEFAULT '',
            rater_name TEXT NOT NULL DEFAULT '',
            rater_phone TEXT NOT NULL DEFAULT '',
            served_at TEXT NOT NULL
        );
        CREATE INDEX rating_requests_window ON rating_requests (window, served_at);
        CREATE INDEX rating_requests_reference ON rating_requests (reference);
        CREATE INDEX rating_requests_served ON rating_requests (served_at);
        -- One rating per service (request_id unique); append-only, synced as inserts.
        CREATE TABLE ratings (
            id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL UNIQUE,
            device_id TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            case_number TEXT NOT NULL DEFAULT '',
            item_code TEXT NOT NULL DEFAULT '',
            item_name TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            clerk_id TEXT NOT NULL DEFAULT '',
            clerk_name TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            efficiency INTEGER CHECK (efficiency BETWEEN 1 AND 5),
            skill INTEGER CHECK (skill BETWEEN 1 AND 5),
            attitude INTEGER CHECK (attitude BETWEEN 1 AND 5),
            comment TEXT NOT NULL DEFAULT '',
            rater_name TEXT NOT NULL DEFAULT '',
            rater_phone TEXT NOT NULL DEFAULT '',
            served_at TEXT NOT NULL,
            rated_at TEXT NOT NULL
        );
        CREATE INDEX ratings_rated ON ratings (rated_at);
        -- Bad-review follow-ups, the 办不成事 register, 涉企诉求, reception-day problems.
        CREATE TABLE followups (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            who TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            matter TEXT NOT NULL,
            items TEXT NOT NULL DEFAULT '[]',
            why TEXT NOT NULL DEFAULT '',
            handler TEXT NOT NULL DEFAULT '',
            first_due TEXT,
            final_due TEXT NOT NULL,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            first_done_at TEXT,
            closed_at TEXT,
            outcome TEXT NOT NULL DEFAULT '',
            cases TEXT NOT NULL DEFAULT '[]',
            rating_id TEXT,
            department TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            clerk_id TEXT NOT NULL DEFAULT '',
            clerk_name TEXT NOT NULL DEFAULT '',
            staff_id TEXT NOT NULL DEFAULT '',
            staff_name TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX followups_state ON followups (state, final_due);
        CREATE INDEX followups_opened ON followups (opened_at);
        CREATE UNIQUE INDEX followups_rating ON followups (rating_id) WHERE rating_id IS NOT NULL;
        -- Every step with its note, append-only (no foreign key: pulled rows may arrive
        -- from other counters in any order).
        CREATE TABLE followup_notes (
            id TEXT PRIMARY KEY,
            followup_id TEXT NOT NULL,
            at TEXT NOT NULL,
            step TEXT NOT NULL,
            from_state TEXT NOT NULL,
            to_state TEXT NOT NULL,
            text TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL
        );
        CREATE INDEX followup_notes_followup ON followup_notes (followup_id, at);
        -- Hand-overs and decisions by time: the rating pad and the statistics look them up;
        -- the statistics also find a period's cases by acceptance and by due date.
        CREATE INDEX case_events_action ON case_events (action, at);
        CREATE INDEX cases_accepted ON cases (accepted_at);
        CREATE INDEX cases_promised_due ON cases (promised_due)
        """,
    )


@MIGRATIONS(name="0009_audit")
def m0009_audit(db: Database) -> None:
    """Hash-chained audit log (issue 9)."""
    run_script(
        db,
        """
        -- Append-only: each entry holds the previous entry's hash (counter.model.audit);
        -- this device's entries are numbered 1, 2, 3 … with no gaps.
        CREATE TABLE audit_log (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            at TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            role TEXT NOT NULL,
            window TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (device_id, seq)
        );
        CREATE INDEX audit_log_target ON audit_log (target);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """,
    )


@MIGRATIONS(name="0010_outbox_lean")
def m0010_outbox_lean(db: Database) -> None:
    """Every local write appends an op, so each index on the outbox is a page more per
    write. Ops are found by ``seq`` (the row id); ``op_id`` is a UUIDv7 made here, and
    the central, not this table, is where a duplicate would be caught. The record of a
    supervisor's action on a refused op keeps the op id without a foreign key, which
    SQLite could only enforce through a unique index on it."""
    run_script(
        db,
        """
        CREATE TABLE sync_refusal_actions_new (
            op_id TEXT PRIMARY KEY,
            action TEXT NOT NULL CHECK (action IN ('resubmitted', 'dismissed')),
            new_op_id TEXT,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            at TEXT NOT NULL
        );
        INSERT INTO sync_refusal_actions_new SELECT * FROM sync_refusal_actions;
        DROP TABLE sync_refusal_actions;
        ALTER TABLE sync_refusal_actions_new RENAME TO sync_refusal_actions;
        CREATE TABLE outbox_new (
            seq INTEGER PRIMARY KEY,
            op_id TEXT NOT NULL,
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
        INSERT INTO outbox_new SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox
        """,
    )


@MIGRATIONS(name="0011_central_ca")
def m0011_central_ca(db: Database) -> None:
    """The CA certificate (PEM) this counter pinned at enrolment, checked against the
    fingerprint in the enrol code: every later connection to the central trusts it and
    nothing else. Empty for a central on plain HTTP (a lab)."""
    run_script(db, "ALTER TABLE sync_state ADD COLUMN central_ca TEXT NOT NULL DEFAULT ''")


@MIGRATIONS(name="0012_trust")
def m0012_trust(db: Database) -> None:
    """What the central checks and no longer takes on trust: each op names the staff
    member signed in when it was made, with her signature when her session had a key;
    the staff table keeps the public half of each key the central published; the
    device remembers the kind and window the central enrolled it as."""
    run_script(
        db,
        """
        ALTER TABLE outbox ADD COLUMN actor TEXT NOT NULL DEFAULT '';
        ALTER TABLE outbox ADD COLUMN proof TEXT NOT NULL DEFAULT '';
        ALTER TABLE staff ADD COLUMN sign_key TEXT NOT NULL DEFAULT '';
        ALTER TABLE sync_state ADD COLUMN device_kind TEXT NOT NULL DEFAULT '';
        ALTER TABLE sync_state ADD COLUMN device_window TEXT NOT NULL DEFAULT ''
        """,
    )


@MIGRATIONS(name="0013_pull_failures")
def m0013_pull_failures(db: Database) -> None:
    """Pulled changes this counter could not apply (a material whose case never came,
    a row missing a required column): each is kept here, by its place in the central's
    change log, while the pull carries on past it. One bad row used to stop every pull
    for good; now it is listed on the sync page and tried again on every sync, so a row
    whose parent arrives later lands then and leaves the list."""
    run_script(
        db,
        """
        CREATE TABLE pull_failures (
            cursor INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            hlc TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            last_tried_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1
        )
        """,
    )


@MIGRATIONS(name="0014_clocks_and_conflicts")
def m0014_clocks_and_conflicts(db: Database) -> None:
    """Sync that loses nothing silently (issue 25). An op keeps what it changed (its
    base) so the central can merge it with a concurrent one; the device keeps how far
    its clock is off the central's, to stamp ops in the central's time and to say so;
    and the hall's 同步冲突 list, written by the central, comes down to every window:
    each conflict with both versions, who and when, and how a supervisor settled it."""
    run_script(
        db,
        """
        ALTER TABLE outbox ADD COLUMN base TEXT;
        ALTER TABLE sync_state ADD COLUMN clock_offset_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN clock_checked_at TEXT;
        CREATE TABLE sync_conflicts (
            id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            clashes TEXT NOT NULL,
            kept_by TEXT NOT NULL,
            lost_by TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
            choice TEXT NOT NULL DEFAULT '' CHECK (choice IN ('', 'kept', 'taken')),
            resolved_by_id TEXT NOT NULL DEFAULT '',
            resolved_by_name TEXT NOT NULL DEFAULT '',
            resolved_at TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX sync_conflicts_open ON sync_conflicts (state, detected_at);
        CREATE INDEX sync_conflicts_row ON sync_conflicts (table_name, row_id)
        """,
    )


@MIGRATIONS(name="0015_rongque_promises")
def m0015_rongque_promises(db: Database) -> None:
    """容缺 that keeps its promise (issue 27). A case remembers the day a promise first
    lapsed, so the lapse stays on the list and in the statistics after the case is
    closed; and the hall's 失信 list, to whose parties 容缺 is not offered."""
    run_script(
        db,
        """
        ALTER TABLE cases ADD COLUMN promise_lapsed_on TEXT;
        CREATE INDEX cases_promise_lapsed ON cases (promise_lapsed_on)
            WHERE promise_lapsed_on IS NOT NULL;
        CREATE TABLE credit_list (
            id_number TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT 'manual',
            updated_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS(name="0016_verified_people")
def m0016_verified_people(db: Database) -> None:
    """A person a supervisor once confirmed despite a warning on the ID (a 4304xx area
    code renamed in 2001) is known again at every window (issue 27): the confirmation
    is already in the synced case events, found through the person's cases as the
    applicant or as the agent; this lets the agent's side be found without a scan."""
    run_script(
        db,
        """
        CREATE INDEX cases_agent_id_number ON cases (agent_id_number)
        """,
    )


@MIGRATIONS(name="0018_sign_in_failures")
def m0018_sign_in_failures(db: Database) -> None:
    """Guessing is slowed (issue 28): each login's wrong passwords in a row, an unknown
    login's too, so the login is refused for a while after five (counter.model.lockout).
    This counter's own: never synced, a guess at one window is slowed at that window."""
    run_script(
        db,
        """
        CREATE TABLE sign_in_failures (
            login TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failed_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS(name="0019_intake_requests")
def m0019_intake_requests(db: Database) -> None:
    """A decision is taken once per intake form (issue 28): a second press of F5, or one
    during a slow save, made a second case with the same data. Each form carries a
    request id made when it is started, kept on the case it made (synced with it), so
    the intake refuses a second decision for it. And a bundle says who applies for it
    (企业 or 个人), so 新生儿出生一件事 keeps the form on 个人."""
    run_script(
        db,
        """
        ALTER TABLE cases ADD COLUMN request_id TEXT;
        CREATE INDEX cases_request ON cases (request_id) WHERE request_id IS NOT NULL;
        ALTER TABLE bundles ADD COLUMN applicant TEXT NOT NULL DEFAULT '企业'
        """,
    )


#: Names are cut into two-character pieces up to this position (a longer name's tail
#: is not indexed for two-character search; enterprise names run to about 40).
NAME_POSITIONS = 128


def _pieces(row: str) -> str:
    """The two-character pieces of a case's applicant and agent names, lower-cased as
    LIKE compares ASCII; ``row`` is ``new`` or ``old``. A numbers table rather than a
    recursive WITH, which a trigger may not use."""
    return " UNION ".join(
        f"SELECT lower(substr({row}.{column}, n, 2)) AS gram FROM case_name_positions"
        f" WHERE n < length({row}.{column})"
        for column in ("applicant_name", "agent_name")
    )


@MIGRATIONS(name="0020_flat_with_history")
def m0020_flat_with_history(db: Database) -> None:
    """A year's data changes nothing (issue 32).

    - The 办件 list filtered by state or department walks an index newest first and
      stops at its LIMIT, as the unfiltered list walks ``cases_created`` and the clerk
      filter ``cases_clerk``; the department index also lists the departments in use
      without reading every case.
    - Two-character "contains" search covers the whole store (the FTS5 trigram index
      needs three): every two-character piece of the applicant's and the agent's
      name with the case's rowid, kept by triggers whatever writes the case (intake,
      sync, a rename). About 1.4 MB per 10,000 cases.
    - The 办件 page's material figures are sums kept by triggers, not a scan.
    - ``store_checks``: when the integrity check and ``ANALYZE`` last ran (this
      counter's own, never synced), so neither runs on every open.
    """
    run_script(
        db,
        """
        CREATE INDEX cases_state_created ON cases (state, created_at);
        CREATE INDEX cases_department_created ON cases (department, created_at);
        CREATE TABLE case_name_positions (n INTEGER PRIMARY KEY);
        CREATE TABLE case_bigrams (
            gram TEXT NOT NULL,
            case_rowid INTEGER NOT NULL,
            PRIMARY KEY (gram, case_rowid)
        ) WITHOUT ROWID;
        CREATE TABLE case_material_totals (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            cases INTEGER NOT NULL,
            asked INTEGER NOT NULL,
            naive INTEGER NOT NULL,
            exempt INTEGER NOT NULL
        );
        CREATE TABLE store_checks (
            kind TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            result TEXT NOT NULL
        )
        """,
    )
    db.execute(
        "INSERT INTO case_name_positions (n) SELECT value FROM json_each(?)",
        [str(list(range(1, NAME_POSITIONS + 1)))],
    )
    # Sorted first, so the pieces go into their b-tree in order: 8 s at 600k cases.
    db.execute(
        "INSERT OR IGNORE INTO case_bigrams (gram, case_rowid)"
        " SELECT gram, case_rowid FROM ("
        " SELECT lower(substr(c.applicant_name, p.n, 2)) AS gram, c.rowid AS case_rowid"
        " FROM cases AS c JOIN case_name_positions AS p ON p.n < length(c.applicant_name)"
        " UNION ALL SELECT lower(substr(c.agent_name, p.n, 2)), c.rowid"
        " FROM cases AS c JOIN case_name_positions AS p ON p.n < length(c.agent_name)"
        ") ORDER BY gram, case_rowid"
    )
    db.execute(
        "INSERT INTO case_material_totals (id, cases, asked, naive, exempt)"
        " SELECT 1, count(*), coalesce(sum(asked_count), 0), coalesce(sum(naive_count), 0),"
        " coalesce(sum(exempt_count), 0) FROM cases"
        " WHERE parent_id IS NULL AND naive_count > 0"
    )
    # Trigger bodies hold ";" themselves, so each runs whole rather than through run_script.
    for trigger in (
        f"""
        CREATE TRIGGER cases_bigrams_insert AFTER INSERT ON cases BEGIN
        INSERT OR IGNORE INTO case_bigrams (gram, case_rowid)
        SELECT gram, new.rowid FROM ({_pieces("new")});
        END
        """,
        f"""
        CREATE TRIGGER cases_bigrams_delete AFTER DELETE ON cases BEGIN
        DELETE FROM case_bigrams WHERE case_rowid = old.rowid AND gram IN ({_pieces("old")});
        END
        """,
        f"""
        CREATE TRIGGER cases_bigrams_update AFTER UPDATE OF applicant_name, agent_name ON cases
        WHEN old.applicant_name IS NOT new.applicant_name OR old.agent_name IS NOT new.agent_name
        BEGIN
        DELETE FROM case_bigrams WHERE case_rowid = old.rowid AND gram IN ({_pieces("old")});
        INSERT OR IGNORE INTO case_bigrams (gram, case_rowid)
        SELECT gram, new.rowid FROM ({_pieces("new")});
        END
        """,
        # The figures count top-level cases that reached the checklist (naive_count > 0).
        """
        CREATE TRIGGER cases_totals_insert AFTER INSERT ON cases
        WHEN new.parent_id IS NULL AND new.naive_count > 0 BEGIN
        UPDATE case_material_totals SET cases = cases + 1, asked = asked + new.asked_count,
        naive = naive + new.naive_count, exempt = exempt + new.exempt_count;
        END
        """,
        """
        CREATE TRIGGER cases_totals_delete AFTER DELETE ON cases
        WHEN old.parent_id IS NULL AND old.naive_count > 0 BEGIN
        UPDATE case_material_totals SET cases = cases - 1, asked = asked - old.asked_count,
        naive = naive - old.naive_count, exempt = exempt - old.exempt_count;
        END
        """,
        """
        CREATE TRIGGER cases_totals_update AFTER UPDATE OF parent_id, asked_count,
        naive_count, exempt_count ON cases BEGIN
        UPDATE case_material_totals SET cases = cases - 1, asked = asked - old.asked_count,
        naive = naive - old.naive_count, exempt = exempt - old.exempt_count
        WHERE old.parent_id IS NULL AND old.naive_count > 0;
        UPDATE case_material_totals SET cases = cases + 1, asked = asked + new.asked_count,
        naive = naive + new.naive_count, exempt = exempt + new.exempt_count
        WHERE new.parent_id IS NULL AND new.naive_count > 0;
        END
        """,
    ):
        db.execute(trigger)


@MIGRATIONS(name="0021_print_retention")
def m0021_print_retention(db: Database) -> None:
    """Print payloads are kept only until printed plus ``print_retention_days`` (issue
    32: 700 MB of PDFs per 10k cases and tickets, never pruned). A job keeps its row
    (who, what, when, how it ended) for ever, and its recipe (``source``: what the
    bytes were made from, counter.printing.recipes, zlib-compressed: a notice's is
    1.6 KB of JSON, 0.5 KB compressed) so a reprint can lay it out again;
    ``payload_dropped_at`` says when its bytes went.

    A new job's bytes live in ``print_payloads``, a row of their own that is deleted
    whole: emptying a blob inside a job's row left each row alone on its 4 KB page
    (SQLite does not merge pages an update shrinks), 4 KB a ticket for ever. A job
    from before keeps its bytes in ``print_jobs.pdf`` until they are emptied there.
    The partial index holds only finished jobs whose bytes are still here: what
    pruning looks for, a few days' jobs however long the history. No row is copied:
    building the index reads the small columns at the head of each job's row."""
    run_script(
        db,
        """
        ALTER TABLE print_jobs ADD COLUMN source BLOB;
        ALTER TABLE print_jobs ADD COLUMN payload_dropped_at TEXT;
        CREATE INDEX print_jobs_payload_kept ON print_jobs (updated_at)
            WHERE payload_dropped_at IS NULL AND status IN ('done', 'cancelled');
        CREATE TABLE print_payloads (
            job_id TEXT PRIMARY KEY REFERENCES print_jobs (id),
            pdf BLOB NOT NULL,
            escpos BLOB
        )
        """,
    )


@MIGRATIONS(name="0022_missed_tickets")
def m0022_missed_tickets(db: Database) -> None:
    """A kiosk's slip that did not print sends its visitor to the guide desk (issue
    28); the alert was on that PC alone. Each one is a row here, synced, so every
    supervisor's window in the hall reads which number to serve and why. The index
    reads the last half hour's."""
    run_script(
        db,
        """
        CREATE TABLE missed_tickets (
            id TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            station TEXT NOT NULL,
            cause TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            device_id TEXT NOT NULL
        );
        CREATE INDEX missed_tickets_at ON missed_tickets (at)
        """,
    )


@MIGRATIONS(name="0023_personal_bundles")
def m0023_personal_bundles(db: Database) -> None:
    """0019 gave every bundle already in a store 企业, so on a counter that loaded the
    demo catalog before it, choosing 新生儿出生一件事 still switched the form to 企业
    (issue 28). The demo catalog of that time says which of its bundles a person
    applies for; a hall's own catalog is put right by its next import (catalog_store
    writes each bundle's applicant), which the 事项目录 page offers."""
    db.execute(
        "UPDATE bundles SET applicant = '个人' WHERE code IN ('YJS-XSECS', 'YJS-ESFJY')"
        " AND EXISTS (SELECT 1 FROM catalog_versions WHERE demo = 1)"
        " AND NOT EXISTS (SELECT 1 FROM catalog_versions WHERE demo = 0)"
    )


@MIGRATIONS(name="0024_followup_lists")
def m0024_followup_lists(db: Database) -> None:
    """The 整改与诉求 page read every follow-up of its kinds on opening (issue 32): the
    open ones now come through an index of the open alone, the closed through one of
    their closing time, newest first, to a LIMIT."""
    run_script(
        db,
        """
        CREATE INDEX followups_open ON followups (kind) WHERE closed_at IS NULL;
        CREATE INDEX followups_closed ON followups (closed_at) WHERE closed_at IS NOT NULL
        """,
    )


@MIGRATIONS(name="0025_print_reprints")
def m0025_print_reprints(db: Database) -> None:
    """ "Has this job been reprinted?" read every print job once per ticket of the last
    half hour (the guide desk's line, polled while a window is shown): a kiosk keeps
    hundreds of thousands of jobs a year. The few reprints get an index of their own."""
    run_script(
        db,
        "CREATE INDEX print_jobs_reprint_of ON print_jobs (reprint_of)"
        " WHERE reprint_of IS NOT NULL",
    )


@MIGRATIONS(name="0026_rating_tokens")
def m0026_rating_tokens(db: Database) -> None:
    """扫码评价 (issue 31): each case taken in carries the random token of its rating link,
    made at the window and synced with the case, so the central's page finds the
    service by it. Cases from before have none ('') and their receipts no rating QR:
    a token made here would differ at each counter (docs/security.md)."""
    run_script(db, "ALTER TABLE cases ADD COLUMN rating_token TEXT NOT NULL DEFAULT ''")


@MIGRATIONS(name="0027_outbox_imports")
def m0027_outbox_imports(db: Database) -> None:
    """A counter that ran alone sends its casework to the central once, as ``import``
    ops (counter.sync.history, issue 32): the outbox's kinds take that one more. SQLite
    changes a CHECK only by making the table again."""
    run_script(
        db,
        """
        CREATE TABLE outbox_new (
            seq INTEGER PRIMARY KEY,
            op_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('insert', 'upsert', 'delete', 'event', 'import')),
            payload TEXT NOT NULL,
            hlc TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'refused')),
            refused_reason TEXT,
            actor TEXT NOT NULL DEFAULT '',
            proof TEXT NOT NULL DEFAULT '',
            base TEXT
        );
        INSERT INTO outbox_new (seq, op_id, table_name, row_id, kind, payload, hlc,
            schema_version, created_at, state, refused_reason, actor, proof, base)
        SELECT seq, op_id, table_name, row_id, kind, payload, hlc, schema_version,
            created_at, state, refused_reason, actor, proof, base FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox
        """,
    )


@MIGRATIONS(name="0028_station_ticket_jobs")
def m0028_station_ticket_jobs(db: Database) -> None:
    """A kiosk's ticket jobs go once their retention is over (issue 32: a kiosk prints
    hundreds of thousands a year, each row and recipe kept for ever). The upkeep finds
    them through an index of the kiosks' tickets alone, a week's worth, not through
    every notice a window ever printed."""
    run_script(
        db,
        "CREATE INDEX print_jobs_station_tickets ON print_jobs (updated_at)"
        " WHERE kind = 'ticket' AND staff_id LIKE 'station:%'",
    )


@MIGRATIONS(name="0029_dense_audit_log")
def m0029_dense_audit_log(db: Database) -> None:
    """The audit log was the largest thing a year leaves in the store (issue 32: 39 MB
    per 10k cases and tickets, half of it the same device id, the previous entry's hash
    and both hashes as hex text, over again in three indexes). Kept densely now
    (counter.store.audit_log): a chain number for the device, the id and hash as bytes,
    ``prev_hash`` read from the entry before. Each entry reads back as the very text
    that was hashed; one the dense form cannot hold exactly stays text. A previous hash
    that is not the entry before's (a chain broken before) is kept as it was found, so
    the break is still found where it was. The index by target goes: nothing on a
    counter reads its chain by target (the central keeps and reviews every chain), and
    it was a sixth of the table."""
    from counter.model.audit import GENESIS
    from counter.store.audit_log import pack_hash, pack_uuid

    run_script(
        db,
        """
        CREATE TABLE audit_chains (
            no INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL UNIQUE
        );
        INSERT INTO audit_chains (device_id)
            SELECT device_id FROM audit_log GROUP BY device_id ORDER BY min(rowid);
        CREATE TABLE audit_log_dense (
            chain INTEGER NOT NULL REFERENCES audit_chains (no),
            seq INTEGER NOT NULL,
            id BLOB NOT NULL,
            at TEXT NOT NULL,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            role TEXT NOT NULL,
            window TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL,
            hash BLOB NOT NULL,
            -- Only where it is not the hash of the entry before: as it was found.
            prev_hash BLOB,
            PRIMARY KEY (chain, seq)
        ) WITHOUT ROWID
        """,
    )
    cursor = db.execute(
        "SELECT c.no, a.seq, a.id, a.at, a.staff_id, a.staff_name, a.role, a.window,"
        " a.action, a.target, a.detail, a.hash, a.prev_hash"
        " FROM audit_log a JOIN audit_chains c ON c.device_id = a.device_id"
        " ORDER BY c.no, a.seq"
    )
    last: tuple[Any, ...] = (None, None, None)  # chain, seq, hash
    while rows := cursor.fetchmany(2000):
        dense = []
        for r in rows:
            chain, seq, prev = r[0], r[1], r[12]
            follows = (chain, seq - 1) == last[:2]
            derived = last[2] if follows else (GENESIS if seq == 1 else None)
            kept = None if prev == derived else pack_hash(prev)
            dense.append((*r[:2], pack_uuid(r[2]), *r[3:11], pack_hash(r[11]), kept))
            last = (chain, seq, r[11])
        db.conn.executemany(
            "INSERT INTO audit_log_dense VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", dense
        )
    run_script(
        db,
        """
        DROP TABLE audit_log;
        ALTER TABLE audit_log_dense RENAME TO audit_log;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """,
    )


@MIGRATIONS(name="0030_materials_by_case")
def m0030_materials_by_case(db: Database) -> None:
    """A case's materials are only ever read by their case, and a table keyed by
    (case, material) kept the key twice: in its rows and in an index of its own, a
    quarter of the table (issue 32). Stored by that key instead (WITHOUT ROWID), a
    case's materials lie together and the index is gone."""
    run_script(
        db,
        """
        CREATE TABLE case_materials_by_case (
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
        ) WITHOUT ROWID;
        INSERT INTO case_materials_by_case (case_id, material_id, position, name, form,
            copies_required, required, rongque, shared_source, asked_by, status, copies,
            promised_due, updated_at)
        SELECT case_id, material_id, position, name, form,
            copies_required, required, rongque, shared_source, asked_by, status, copies,
            promised_due, updated_at
        FROM case_materials;
        DROP TABLE case_materials;
        ALTER TABLE case_materials_by_case RENAME TO case_materials
        """,
    )


@MIGRATIONS(name="0031_sealed_audit_segments")
def m0031_sealed_audit_segments(db: Database) -> None:
    """A year's audit chain was still the largest thing in a counter's store (issue 32:
    18 MB per 10k cases and tickets, dense). Entries behind a chain's newest few hundred
    are never read but walked whole (to verify, to import), and runs of them compress
    to a quarter (counter.store.audit_log.seal). A sealed run is as append-only as the
    log: no update or delete of a segment, and an entry may leave the log only once a
    segment holds it."""
    run_script(
        db,
        """
        CREATE TABLE audit_sealed (
            chain INTEGER NOT NULL REFERENCES audit_chains (no),
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            count INTEGER NOT NULL,
            entries BLOB NOT NULL,
            PRIMARY KEY (chain, first)
        ) WITHOUT ROWID;
        CREATE TRIGGER audit_sealed_no_update BEFORE UPDATE ON audit_sealed
            BEGIN SELECT RAISE(ABORT, 'audit_sealed is append-only'); END;
        CREATE TRIGGER audit_sealed_no_delete BEFORE DELETE ON audit_sealed
            BEGIN SELECT RAISE(ABORT, 'audit_sealed is append-only'); END;
        DROP TRIGGER audit_log_no_delete;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            WHEN coalesce((SELECT s.last FROM audit_sealed s
                           WHERE s.chain = OLD.chain AND s.first <= OLD.seq
                           ORDER BY s.first DESC LIMIT 1), 0) < OLD.seq
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """,
    )


@MIGRATIONS(name="0032_case_packs")
def m0032_case_packs(db: Database) -> None:
    """A closed case's events and materials were half of what a year leaves in the
    store (issue 32: 36 MB per 10k cases and tickets with their indexes), kept row by
    row for cases nobody touches again. Once closed and unchanged for a season they are
    packed into one compressed row (counter.store.case_packs), with what the statistics
    read across cases kept beside it: the finishing events' times, and the earliest
    容缺 promise still open."""
    run_script(
        db,
        """
        CREATE TABLE case_pack_dicts (
            no INTEGER PRIMARY KEY,
            zdict BLOB NOT NULL
        );
        CREATE TABLE case_packs (
            case_id TEXT PRIMARY KEY REFERENCES cases (id),
            dict_no INTEGER NOT NULL REFERENCES case_pack_dicts (no),
            packed_at TEXT NOT NULL,
            promised_open TEXT,
            packed BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE case_pack_marks (
            action TEXT NOT NULL,
            at TEXT NOT NULL,
            case_id TEXT NOT NULL REFERENCES case_packs (case_id),
            PRIMARY KEY (action, at, case_id)
        ) WITHOUT ROWID
        """,
    )


@MIGRATIONS(name="0033_queue_day_packs")
def m0033_queue_day_packs(db: Database) -> None:
    """A ticket's steps and the clerks' states were a fifth of what a year leaves in
    the store (issue 32: 10 MB per 10k tickets with their indexes), read for today
    only. A past day's are packed into one compressed row (counter.store.queue_packs)."""
    run_script(
        db,
        """
        CREATE TABLE queue_day_packs (
            day TEXT PRIMARY KEY,
            packed BLOB NOT NULL
        ) WITHOUT ROWID
        """,
    )


@MIGRATIONS(name="0034_print_day_packs")
def m0034_print_day_packs(db: Database) -> None:
    """A finished print job whose bytes are gone is its row and recipe for ever: 13 MB
    per 10k cases and tickets with the table's indexes (issue 32), read only for a
    reprint of an old notice or a history import. A past day's are packed into one
    compressed row (counter.store.print_packs), with the days each reference's jobs
    are in."""
    run_script(
        db,
        """
        CREATE TABLE print_day_packs (
            day TEXT PRIMARY KEY,
            packed BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE print_job_refs (
            reference TEXT NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (reference, day)
        ) WITHOUT ROWID
        """,
    )


SCHEMA_VERSION = len(MIGRATIONS._migrations)
