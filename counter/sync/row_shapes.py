"""What an op's row must look like, and which rows it needs first, for every table a
counter may push.

The central checks each op against these rules before it stores it (issue 25): a row
the counters cannot write — a required column missing, a text where a number goes, a
primary key that is not the op's row, a case's material for a case nobody has — would
otherwise reach every counter's pull and fail there, at every counter, for good. The
counters' own schema (``counter/store/migrations.py``) is the truth these rules are
read from; ``tests/sync/test_row_shapes.py`` holds them to it column by column, so a
migration that adds a required column fails that test until the rule here says so.

Each table is declared as a list of columns, ``name:type`` with a mark:

* ``!`` required: NOT NULL without a default, so the row cannot be written without it;
* ``?`` nullable: may be null (or absent);
* no mark: has a default, so it may be absent, but is never null when sent.

Types are ``text``, ``integer`` (a bool is fine: SQLite keeps it as 0 or 1), ``real``
(an integer is fine) and ``json`` (a TEXT column holding JSON: text, or a list or
object the counter writes as JSON). Columns a table does not declare are let through:
a newer counter may send columns an older central does not know, and a counter drops
those its table lacks (``counter.sync.tables.row_statement``).

Pure: no SQL, no Qt; the central and the counter import it alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ColumnType = Literal["text", "integer", "real", "json"]
Key = tuple[str, str]

#: One op's payload, as JSON. A day's cases are a few kilobytes each and a year of
#: holidays a few dozen; a megabyte in one row is a fault or an attack, and every
#: counter in the hall would have to pull it.
MAX_PAYLOAD_BYTES = 256 * 1024
#: SQLite's INTEGER is 64-bit: a larger number fails at the counter that writes it.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

TYPE_LABELS: dict[str, str] = {"text": "文本", "integer": "整数", "real": "数字", "json": "JSON"}


@dataclass(frozen=True, slots=True)
class Column:
    type: ColumnType
    #: NOT NULL without a default: an insert or upsert must carry it.
    required: bool = False
    #: Null allowed; otherwise a null sent for it fails the NOT NULL at the counter.
    nullable: bool = False


@dataclass(frozen=True)
class RowShape:
    table: str
    #: The table's name for people, in reasons the supervisor reads.
    label: str
    #: The columns that make ``row_id``: one column's value, or several joined by "/"
    #: (``case_materials``: ``case_id/material_id``). Empty: the row id is not checked.
    pk: tuple[str, ...]
    columns: Mapping[str, Column]
    #: Whether the payload is the row of the counter's table of the same name (written
    #: by the generic apply, or by an ``apply``/``shape`` column for column): these are
    #: held to the counter's schema by the test.
    row: bool = True
    #: Required columns of the counter's table that its apply fills itself when the
    #: payload leaves them out (a holiday's ``source``).
    filled: frozenset[str] = frozenset()
    #: Columns of the counter's table that are only this counter's (a local integer id
    #: that collides between counters): refused in a payload.
    local: frozenset[str] = frozenset()
    #: The table's own rule for what its column types cannot say.
    check: Callable[[dict[str, Any]], str | None] | None = None
    #: Turns an older payload format into the current one before it is checked.
    normalise: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def parse_columns(spec: str) -> dict[str, Column]:
    """``"number:text! parent_id:text? position:integer"`` → columns, in order."""
    columns: dict[str, Column] = {}
    for token in spec.split():
        name, _, typed = token.partition(":")
        mark = typed[-1] if typed[-1] in "!?" else ""
        kind = typed.rstrip("!?")
        if kind not in TYPE_LABELS:
            raise ValueError(f"{token}: unknown type {kind!r}")
        columns[name] = Column(kind, required=mark == "!", nullable=mark == "?")  # type: ignore[arg-type]
    return columns


SHAPES: dict[str, RowShape] = {}


def _declare(
    table: str, label: str, pk: str | tuple[str, ...], spec: str, **options: Any
) -> RowShape:
    keys = (pk,) if isinstance(pk, str) else pk
    shape = RowShape(table, label, keys, parse_columns(spec), **options)
    SHAPES[table] = shape
    return shape


def _holiday_years_check(payload: dict[str, Any]) -> str | None:
    """The counter replaces whole years from this payload (``_apply_holiday_years``):
    ``years`` numbers and ``rows`` of [day, kind, name], as ``import_rows`` sends."""
    years, rows = payload.get("years"), payload.get("rows")
    if not isinstance(years, list) or not all(_is_int(y) and 1900 <= y <= 9999 for y in years):
        return "years 应为年份（整数）的列表"
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == 3 and all(isinstance(v, str) for v in r) for r in rows
    ):
        return "rows 应为 [日期, 类别, 名称] 的列表"
    if any(r[1] not in ("holiday", "workday") for r in rows):
        return "rows 的类别只能是 holiday 或 workday"
    return None


def _ticket_row(payload: dict[str, Any]) -> dict[str, Any]:
    """The first ticket format nested the row under ``ticket`` (as ``_apply_ticket``
    still reads it)."""
    nested = payload.get("ticket")
    return {**nested, "event": payload.get("event")} if isinstance(nested, dict) else payload


# Hall-wide, edited by a supervisor at any counter. A holiday op is the day, its kind
# and name; the counter fills in the source (``_holiday_row``).
_declare(
    "holidays",
    "节假日",
    "day",
    "day:text kind:text! name:text source:text",
    filled=frozenset({"source"}),
)
# A year's table replaced whole: not a row but the years and their days.
_declare(
    "holiday_years",
    "节假日年度表",
    (),
    "years:json! rows:json! source:text",
    row=False,
    check=_holiday_years_check,
)
# The hall's 失信 list (model/credit.py): edited by a supervisor at any counter.
_declare(
    "credit_list",
    "失信名单",
    "id_number",
    "id_number:text name:text! reason:text source:text updated_at:text!",
)
_declare(
    "queue_categories",
    "取号类别",
    "code",
    """
    code:text name:text! windows:text sort:integer active:integer updated_at:text!
""",
)
# Cases: taken in at one window, continued at any.
_declare(
    "applicants",
    "申请人",
    "id",
    """
    id:text kind:text! id_number:text! name:text! legal_rep:text contact:text phone:text
    updated_at:text!
""",
)
_declare(
    "cases",
    "办件",
    "id",
    """
    id:text number:text! parent_id:text? position:integer item_code:text? bundle_code:text?
    title:text! department:text state:text! rongque:integer deemed_accepted:integer
    applicant_id:text! applicant_kind:text! applicant_name:text! applicant_id_number:text!
    applicant_phone:text agent_name:text agent_id_number:text clerk_id:text!
    clerk_name:text! window:text! catalog_version:text! ticket_id:text? created_at:text!
    received_at:text! notice_at:text? accepted_at:text? promised_days:real legal_days:real
    extension_days:integer promised_due:text? legal_due:text? due_provisional:integer
    paused_at:text? paused_days:integer decision:text reason:text other_office:text
    delivery_method:text delivery_address:text waybill:text asked_count:integer
    naive_count:integer exempt_count:integer updated_at:text! promise_lapsed_on:text?
    request_id:text? rating_token:text
""",
)
_declare(
    "case_events",
    "办件记录",
    "id",
    """
    id:text case_id:text! action:text! from_state:text? to_state:text! at:text!
    staff_id:text! staff_name:text! window:text! reason:text data:json
""",
)
_declare(
    "case_materials",
    "材料清单",
    ("case_id", "material_id"),
    """
    case_id:text! material_id:text! position:integer! name:text! form:text!
    copies_required:integer! required:integer! rongque:integer! shared_source:text?
    asked_by:json status:text! copies:integer promised_due:text? updated_at:text!
""",
)
_declare(
    "unmask_log",
    "查看明文记录",
    "id",
    """
    id:text at:text! staff_id:text! staff_name:text! window:text! table_name:text!
    row_id:text! what:text!
""",
)
# The queue: a ticket op is the ticket's row with the event that changed it riding
# along (``event``, not a column); the counter marks it handed over itself.
_declare(
    "tickets",
    "取号",
    "id",
    """
    id:text day:text! category:text! number:text! seq:integer! issued_at:text! state:text!
    lane:integer! queue_key:real! priority_reason:text appointment_code:text person_id:text
    person_name:text target_window:text window:text clerk_id:text clerk_name:text
    first_called_at:text? last_called_at:text? call_count:integer started_at:text?
    finished_at:text? services:json cases:json updated_at:text! handed_over:integer
    reconciled:integer
""",
    filled=frozenset({"handed_over", "reconciled"}),
    normalise=_ticket_row,
)
_declare(
    "appointments",
    "预约",
    "code",
    """
    code:text day:text! category:text! name:text! id_number:text! slot:text ticket_id:text
    checked_in_at:text?
""",
)
# Travels by its uid: the integer id is each counter's own and collides between them.
_declare(
    "clerk_states",
    "窗口人员状态",
    "uid",
    """
    id:integer? staff_id:text! staff_name:text! window:text! state:text! at:text! day:text!
    uid:text
""",
    local=frozenset({"id"}),
)
# A kiosk ticket that did not print (counter.model.print_job.MissedTicket).
_declare(
    "missed_tickets",
    "未出票提醒",
    "id",
    "id:text number:text! station:text! cause:text at:text! device_id:text!",
)
# Kept at the central only (no counter has the table): what was printed, for the record.
_declare(
    "print_log",
    "打印记录",
    "job_id",
    """
    job_id:text! document:text! title:text! reference:text target:text attempts:integer
    staff_id:text staff_name:text window:text submitted_at:text printed_at:text!
    reprint_of:text? unmasked:integer
""",
    row=False,
)
# Each device's own hash chain, verified centrally (counter.central.authority). An entry
# is not a row of the counter's table: that keeps it densely (counter.store.audit_log).
_declare(
    "audit_log",
    "审计记录",
    "id",
    """
    id:text seq:integer! device_id:text! at:text! staff_id:text! staff_name:text! role:text!
    window:text! action:text! target:text! detail:text! prev_hash:text! hash:text!
""",
    row=False,
)
# 好差评, follow-ups and their notes.
_declare(
    "ratings",
    "评价",
    "id",
    """
    id:text request_id:text! device_id:text kind:text! reference:text! case_number:text
    item_code:text item_name:text department:text window:text clerk_id:text clerk_name:text
    channel:text! level:integer! efficiency:integer? skill:integer? attitude:integer?
    comment:text rater_name:text rater_phone:text served_at:text! rated_at:text!
""",
)
_declare(
    "followups",
    "整改与诉求",
    "id",
    """
    id:text kind:text! state:text! opened_at:text! who:text! contact:text matter:text!
    items:json why:text handler:text first_due:text? final_due:text! due_provisional:integer
    first_done_at:text? closed_at:text? outcome:text cases:json rating_id:text?
    department:text window:text clerk_id:text clerk_name:text staff_id:text staff_name:text
    updated_at:text!
""",
)
_declare(
    "followup_notes",
    "整改记录",
    "id",
    """
    id:text followup_id:text! at:text! step:text! from_state:text! to_state:text! text:text!
    staff_id:text! staff_name:text!
""",
)
# 帮代办 on a specialist's laptop, picked up at a window; the gift pack of a case.
_declare(
    "visits",
    "走访",
    "id",
    """
    id:text uscc:text! enterprise_name:text! address:text! contact:text! contact_phone:text!
    visited_on:text! place:text! purpose:text! items:json notes:text uscc_warnings:json
    specialist_id:text! specialist_name:text! created_at:text! updated_at:text!
""",
)
_declare(
    "visit_tasks",
    "跟跑任务",
    "id",
    """
    id:text visit_id:text! text:text! due:text! done_at:text? updated_at:text!
""",
)
_declare(
    "prereviews",
    "预审",
    "id",
    """
    id:text visit_id:text! target_code:text! target_name:text! states:json!
    catalog_version:text! created_at:text!
""",
)
_declare(
    "agent_authorisations",
    "代办委托",
    "id",
    """
    id:text uscc:text! enterprise_name:text! agent_name:text! agent_id_number:text!
    scope:text! valid_from:text! valid_until:text! visit_id:text created_at:text!
""",
)
_declare(
    "case_drafts",
    "预受理草稿",
    "id",
    """
    id:text visit_id:text! prereview_id:text! target_code:text! target_name:text! uscc:text!
    enterprise_name:text! legal_rep:text contact:text phone:text! agent_name:text
    agent_id_number:text authorisation_id:text states:json! specialist_id:text!
    specialist_name:text! created_at:text! state:text! case_number:text taken_at:text?
    taken_by:text updated_at:text!
""",
)
_declare(
    "giftpacks",
    "大礼包",
    "case_id",
    """
    case_id:text case_number:text! delivery_method:text delivery_address:text waybill:text
    voucher_number:text voucher_issued_at:text? completed_at:text? updated_at:text!
""",
)
_declare(
    "giftpack_lines",
    "大礼包物品",
    "id",
    """
    id:text case_id:text! position:integer! name:text! quantity:integer! unit:text!
    note:text readiness:text! handover_id:text updated_at:text!
""",
)
_declare(
    "giftpack_handovers",
    "大礼包交付",
    "id",
    """
    id:text case_id:text! case_number:text! line_ids:json! names:json! method:text!
    recipient_kind:text recipient_name:text recipient_id:text authorisation_id:text
    address:text waybill:text staff_id:text! staff_name:text! window:text! at:text!
""",
)

# The hall's 同步冲突 list: written by the central, settled by a supervisor at any window
# (the versions and who made them travel as JSON, decoded).
_declare(
    "sync_conflicts",
    "同步冲突",
    "id",
    """
    id:text table_name:text! row_id:text! label:text clashes:json! kept_by:json!
    lost_by:json! detected_at:text! state:text choice:text resolved_by_id:text
    resolved_by_name:text resolved_at:text
""",
)

#: The foreign keys a counter's schema enforces on synced tables: (table, column) → the
#: parent table, whose row id is the column's value. A row whose parent is at no counter
#: fails its insert there (``PRAGMA foreign_keys = ON``); so does deleting a parent that
#: still has children.
REFERENCES: dict[tuple[str, str], str] = {
    ("cases", "applicant_id"): "applicants",
    ("cases", "parent_id"): "cases",
    ("case_events", "case_id"): "cases",
    ("case_materials", "case_id"): "cases",
    ("tickets", "category"): "queue_categories",
    ("appointments", "category"): "queue_categories",
}

#: Rows every counter's store is made with (migration 0003 seeds the queue categories):
#: a reference to one of them is met at every counter without anyone pushing it.
SEEDED: dict[str, frozenset[str]] = {"queue_categories": frozenset("ABCDEF")}


def label(table_name: str) -> str:
    """The table's name for people; the table's own name when it has none."""
    shape = SHAPES.get(table_name)
    return shape.label if shape else table_name


def shape_refusal(table_name: str, kind: str, row_id: str, payload: dict[str, Any]) -> str | None:
    """Why an op's payload cannot be written as a row at the counters, or None.

    A table without a shape here is not this rule's to judge (the registry and the
    authority refuse tables they do not know). A delete is checked for its key only:
    its payload is what identifies the row, not a row.
    """
    shape = SHAPES.get(table_name)
    if shape is None:
        return None
    size = _encoded_size(payload)
    if size is None:
        return f"{shape.label}数据含有无法保存的字符（不成对的代理码位）"
    if size > MAX_PAYLOAD_BYTES:
        return (
            f"{shape.label}数据过大（{math.ceil(size / 1024)} KB，"
            f"一条记录最多 {MAX_PAYLOAD_BYTES // 1024} KB）"
        )
    if shape.normalise is not None:
        payload = shape.normalise(payload)
    key = _key_refusal(shape, row_id, payload)
    if key is not None:
        return f"{shape.label}数据{key}"
    if kind == "delete":
        return None
    problems = _column_problems(shape, payload)
    if not problems and shape.check is not None:
        own = shape.check(payload)
        problems = [own] if own else []
    return f"{shape.label}数据" + "；".join(problems) if problems else None


def parents(table_name: str, kind: str, row_id: str, payload: dict[str, Any]) -> list[Key]:
    """The (table, row id) of each row this op's row refers to, which must be at the
    counters before it; none for a delete. A row naming itself (a case that is its own
    parent) needs nothing more, and seeded rows are at every counter already."""
    if kind == "delete":
        return []
    shape = SHAPES.get(table_name)
    if shape is not None and shape.normalise is not None:
        payload = shape.normalise(payload)
    needed: list[Key] = []
    for (table, column), parent in REFERENCES.items():
        if table != table_name:
            continue
        value = payload.get(column)
        if value is None or (parent == table_name and str(value) == row_id):
            continue
        key = (parent, str(value))
        if key[1] not in SEEDED.get(parent, ()) and key not in needed:
            needed.append(key)
    return needed


def dependents(table_name: str) -> list[tuple[str, str]]:
    """The (table, column) pairs that refer to rows of ``table_name``: deleting one of
    its rows fails at a counter that holds a row naming it."""
    return [key for key, parent in REFERENCES.items() if parent == table_name]


def _encoded_size(payload: dict[str, Any]) -> int | None:
    """UTF-8 size of the payload, or None when it holds a lone surrogate (valid in
    JSON's escapes, but SQLite cannot store it: the counter's write would fail)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _key_refusal(shape: RowShape, row_id: str, payload: dict[str, Any]) -> str | None:
    """The row's key must be the op's row: last-writer-wins and the outbox's "row still
    waiting" both go by ``row_id``, while the counter writes the payload's key."""
    if not shape.pk:
        return None
    if len(shape.pk) == 1:
        column = shape.pk[0]
        if column not in payload:
            return None  # the counter takes the key from the row id
        value = payload[column]
        if value is None or str(value) != row_id:
            return f"的主键 {column}（{_show(value)}）与记录编号“{row_id}”不一致"
        return None
    missing = [c for c in shape.pk if payload.get(c) is None]
    if missing:
        return "缺少主键字段：" + "、".join(missing)
    joined = "/".join(str(payload[c]) for c in shape.pk)
    if joined != row_id:
        return f"的主键 {'/'.join(shape.pk)}（“{joined}”）与记录编号“{row_id}”不一致"
    return None


def _column_problems(shape: RowShape, payload: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    missing = [
        name
        for name, column in shape.columns.items()
        if column.required and payload.get(name) is None
    ]
    if missing:
        problems.append("缺少必填字段：" + "、".join(missing))
    local = [name for name in payload if name in shape.local]
    if local:
        problems.append("含有本机专用字段：" + "、".join(local))
    for name, value in payload.items():
        column = shape.columns.get(name)
        if column is None or name in shape.local or name in missing:
            continue
        if value is None:
            if not column.nullable and name not in shape.pk:
                problems.append(f"字段 {name} 不能为空")
        elif not _fits(column.type, value):
            problems.append(f"字段 {name} 应为{TYPE_LABELS[column.type]}（收到 {_show(value)}）")
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and _INT_MIN <= value <= _INT_MAX


def _fits(kind: ColumnType, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "integer":
        return _is_int(value)  # a bool is an int: SQLite keeps it as 0 or 1
    if kind == "real":
        if isinstance(value, bool):
            return False
        if isinstance(value, float):
            return math.isfinite(value)  # NaN would land as NULL, infinity as nonsense
        return _is_int(value)
    return isinstance(value, str | list | dict)


def _show(value: Any) -> str:
    """A sent value in a reason: short, and saying what it was."""
    if isinstance(value, str):
        text = value if len(value) <= 20 else value[:20] + "…"
        return f"文本“{text}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "空值"
    if isinstance(value, int | float):
        return f"数字 {value}"
    return "列表" if isinstance(value, list) else "对象"
