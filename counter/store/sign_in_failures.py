"""Each login's wrong passwords in a row (counter.model.lockout), kept by this counter
only: no outbox op, so nothing of it is synced. Written inside the caller's transaction."""

from __future__ import annotations

from sqlite_utils import Database

from counter.model.clock import iso, parse_iso
from counter.model.lockout import Failures


def get(db: Database, login: str) -> Failures:
    row = db.execute(
        "SELECT failures, last_failed_at FROM sign_in_failures WHERE login = ?", [login]
    ).fetchone()
    if row is None:
        return Failures(login)
    return Failures(login, int(row[0]), parse_iso(str(row[1])))


def save(db: Database, failures: Failures) -> None:
    if failures.last_at is None:
        raise ValueError("a failure has a time")
    db.execute(
        "INSERT INTO sign_in_failures (login, failures, last_failed_at) VALUES (?, ?, ?)"
        " ON CONFLICT (login) DO UPDATE SET"
        " failures = excluded.failures, last_failed_at = excluded.last_failed_at",
        [failures.login, failures.count, iso(failures.last_at)],
    )


def clear(db: Database, login: str) -> None:
    db.execute("DELETE FROM sign_in_failures WHERE login = ?", [login])
