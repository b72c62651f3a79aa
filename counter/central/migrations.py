"""The central's schema, versioned: an ordered list of migrations and the version each
store is at, kept in the store itself (``central_meta``), the same way on SQLite and
PostgreSQL.

Version 1 is the schema as it stood when versions began, made by each engine's own
``_baseline`` (the tables, the queue's counts and their triggers, and the columns a
central from before them lacked). It is idempotent: a central from before versions
(version 0: its tables, no ``central_meta``) is brought up by the same statements that
make a new one. Every later change to the central's tables is a new :class:`Migration`
at the end of :data:`MIGRATIONS`, never an edit of an earlier one: a store records the
last version applied and never runs it again.

``counter-central serve`` does not migrate by itself; ``counter-central migrate`` does,
once, run by a person (docs/central-operations.md says why). Library callers (the tests,
the benchmarks, :func:`counter.central.serving.open_engine`) migrate on open, as
``Engine.setup`` always did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from counter.model.errors import CounterError

#: Where a store keeps its version (and when it was made): one table, both engines.
META_TABLE = "central_meta"
META_SCHEMA = f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
VERSION_KEY = "schema_version"
CREATED_KEY = "created_at"
SET_VERSION = (
    f"INSERT INTO {META_TABLE} (key, value) VALUES ('{VERSION_KEY}', ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
SET_CREATED = (
    f"INSERT INTO {META_TABLE} (key, value) VALUES ('{CREATED_KEY}', ?)"
    " ON CONFLICT (key) DO NOTHING"
)
READ_VERSION = f"SELECT value FROM {META_TABLE} WHERE key = '{VERSION_KEY}'"
#: A table every central has had since the first: its presence without ``central_meta``
#: is a central from before versions (version 0), its absence no central at all.
FIRST_TABLE = "devices"


@dataclass(frozen=True)
class Migration:
    """One step of the schema. ``sqlite`` and ``postgres`` are the statements of each
    dialect (no ``?`` placeholders), run in one write transaction with the new version
    recorded; ``run``, if given, runs after them in that transaction with the cursor and
    the engine (for data that must be rewritten, not just tables changed)."""

    version: int
    #: What ``counter-central migrate`` prints (Chinese: read by the hall's IT).
    title: str
    sqlite: tuple[str, ...] = ()
    postgres: tuple[str, ...] = ()
    run: Callable[[Any, Any], None] | None = field(default=None, compare=False)

    def statements(self, dialect: str) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgres


def json_field(dialect: str, field: str) -> str:
    """SQL for one field of a synced row's JSON payload. An expression index is used only
    for a query that writes the expression the same way, so both use this."""
    if dialect == "postgres":
        return f"(payload::json ->> '{field}')"
    return f"json_extract(payload, '$.{field}')"


#: The synced tables the public progress page reads by a payload field
#: (counter.central.web), each with a partial expression index of its own.
LOOKUPS = {"cases": "number", "case_events": "case_id", "case_materials": "case_id"}


def _lookup_indexes(dialect: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE INDEX IF NOT EXISTS rows_{table}_by_{field} ON rows"
        f" (({json_field(dialect, field)})) WHERE table_name = '{table}'"
        for table, field in LOOKUPS.items()
    )


#: The web side's staff sign-in (counter.central.web_staff): a session is kept by the
#: hash of its cookie, so a copy of the database opens no session; wrong passwords in a
#: row are counted per login, across the central's processes.
_WEB_STAFF = (
    "CREATE TABLE IF NOT EXISTS web_sessions (token_hash TEXT PRIMARY KEY,"
    " staff_id TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS web_sessions_by_staff ON web_sessions (staff_id)",
    "CREATE TABLE IF NOT EXISTS web_signin_failures (login TEXT PRIMARY KEY,"
    " count INTEGER NOT NULL, last_ms BIGINT NOT NULL)",
)


#: 网上预约 (counter.central.web_booking): the places the supervisor set per category and
#: half-day (``day`` '' for every working day, else that day's own number), the page's
#: settings, and each booking. A live booking holds a numbered place of its half-day;
#: the partial unique index on those places is what keeps two phones from both taking
#: the last one, on either engine, and the one on the person keeps one booking per ID
#: per category per day. A cancelled booking keeps its row and frees its place.
_BOOKING = (
    "CREATE TABLE IF NOT EXISTS booking_places (category TEXT NOT NULL, day TEXT NOT NULL,"
    " half TEXT NOT NULL, places INTEGER NOT NULL, PRIMARY KEY (category, day, half))",
    "CREATE TABLE IF NOT EXISTS booking_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bookings (code TEXT PRIMARY KEY, day TEXT NOT NULL,"
    " category TEXT NOT NULL, half TEXT NOT NULL, place INTEGER NOT NULL,"
    " person TEXT NOT NULL, id_last4 TEXT NOT NULL, phone TEXT NOT NULL,"
    " created_ms BIGINT NOT NULL, cancelled_ms BIGINT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS bookings_live_place ON bookings"
    " (day, category, half, place) WHERE cancelled_ms IS NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS bookings_live_person ON bookings"
    " (person, category, day) WHERE cancelled_ms IS NULL",
)


def _rating_indexes(dialect: str) -> tuple[str, ...]:
    """扫码评价 (counter.central.web_rating): the case a receipt's token names, and whether
    a service has a rating already, each read through a partial expression index."""
    return (
        f"CREATE INDEX IF NOT EXISTS rows_cases_by_rating_token ON rows"
        f" (({json_field(dialect, 'rating_token')})) WHERE table_name = 'cases'",
        f"CREATE INDEX IF NOT EXISTS rows_ratings_by_request_id ON rows"
        f" (({json_field(dialect, 'request_id')})) WHERE table_name = 'ratings'",
    )


#: 扫码看排队 (counter.central.web_queue_view): the token a kiosk slip's QR carries,
#: made with the ticket by HallQueue.issue_linked; the page of a ticket is found by it
#: alone (docs/security.md: why a stored random token and not a ticket number).
_QUEUE_LINKS = (
    "CREATE TABLE IF NOT EXISTS queue_links (token TEXT PRIMARY KEY,"
    " ticket_id TEXT NOT NULL, day TEXT NOT NULL, category_name TEXT NOT NULL DEFAULT '')",
)

#: 单机历史导入 (counter.central.history): whether an enrol code lets the new device it
#: enrols bring the casework it did before the hall had a central, and whether that
#: device's import is still open (it closes for good at the first op of another kind).
#: Existing codes and devices get 0: nothing already made or enrolled may import.
_HISTORY_COLUMNS = (
    ("enrol_codes", "history", "INTEGER NOT NULL DEFAULT 0"),
    ("devices", "importing", "INTEGER NOT NULL DEFAULT 0"),
)
_HISTORY_IMPORT_POSTGRES = tuple(
    f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}"
    for table, column, definition in _HISTORY_COLUMNS
)


def _history_columns_sqlite(cur: Any, engine: Any) -> None:
    """SQLite has no ADD COLUMN IF NOT EXISTS, and a step must be idempotent: a store
    whose version record was lost (version 0) runs every step again over its tables."""
    if engine.dialect != "sqlite":
        return
    for table, column, definition in _HISTORY_COLUMNS:
        have = {r[1] for r in cur.execute(f"PRAGMA table_info({table})").fetchall()}
        if column not in have:
            cur.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "基础架构：设备、登记码、操作记录、数据行、变更日志与全厅排队（含旧版中心补列）"),
    Migration(
        2,
        "办件进度查询的索引：按办件编号找办件，按办件找经过和材料",
        sqlite=_lookup_indexes("sqlite"),
        postgres=_lookup_indexes("postgres"),
    ),
    Migration(
        3,
        "网页端登录：值班长和管理员的会话与连续输错次数",
        sqlite=_WEB_STAFF,
        postgres=_WEB_STAFF,
    ),
    Migration(
        4,
        "网上预约：每个业务每半天的名额、预约设置与预约记录",
        sqlite=_BOOKING,
        postgres=_BOOKING,
    ),
    Migration(
        5,
        "扫码评价的索引：按评价码找办件，按服务找评价",
        sqlite=_rating_indexes("sqlite"),
        postgres=_rating_indexes("postgres"),
    ),
    Migration(
        6,
        "扫码看排队：取号小票二维码的查看凭据",
        sqlite=_QUEUE_LINKS,
        postgres=_QUEUE_LINKS,
    ),
    Migration(
        7,
        "单机历史导入：登记码可允许新设备导入其单机期间的办件历史，设备记录导入是否仍开放",
        postgres=_HISTORY_IMPORT_POSTGRES,
        run=_history_columns_sqlite,
    ),
)


def latest() -> int:
    """The version this code makes and serves (read each time: tests add steps)."""
    return MIGRATIONS[-1].version


def check_order(steps: tuple[Migration, ...]) -> None:
    """Versions are 1, 2, 3, … with no gap: a gap or a repeat is this code's bug."""
    if [s.version for s in steps] != list(range(1, len(steps) + 1)):
        raise RuntimeError(f"central migrations out of order: {[s.version for s in steps]}")


class SchemaError(CounterError):
    """The store is not one this code may use as it stands (the CLI exits non-zero)."""


class NotInitialised(SchemaError):
    """No central in this store: ``counter-central init`` has not made one."""


class SchemaTooNew(SchemaError):
    """Made by a newer counter-central: this code would misread or damage it."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"中心数据库的架构版本为 {found}，比本程序（counter-central，最高支持版本 {known}）新："
            "它是由较新版本的 counter-central 建立或迁移的。请安装那个版本（或更新的版本）再运行；"
            "不要用旧程序打开它，以免损坏数据"
        )
        self.found = found
        self.known = known


class SchemaTooOld(SchemaError):
    """Behind this code: ``counter-central migrate`` brings it up."""

    def __init__(self, found: int, known: int, where: str) -> None:
        before = "旧版（没有版本记录）" if found == 0 else f"版本 {found}"
        super().__init__(
            f"中心数据库的架构为{before}，本程序需要版本 {known}：请先备份"
            f"（counter-central backup 文件夹{where}），再运行 counter-central migrate{where}，"
            "然后再启动或执行其他命令"
        )
        self.found = found
        self.known = known


def describe(version: int | None) -> str:
    """A store's version as the CLI prints it."""
    if version is None:
        return "（无中心数据）"
    return "0（旧版，无版本记录）" if version == 0 else str(version)
