"""The wire format between a counter and the central, shared by both ends.

Kept in one module so the client and the server cannot drift apart: the central
validates requests with these types and the client parses answers with them. Every
error code carries a Chinese reason (shown to the supervisor) and an English one
(for the hall's IT and the logs).
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 1000
MAX_PAGE = 5000
# An op whose clock reads further ahead of the central than this is refused. Counters
# stamp ops in the central's time once they have heard from it (counter.store.outbox),
# and every counter's clock moves past what it pulls, so a clock some hours fast makes
# no one lose work: it only decides which of two truly concurrent edits is "later", and
# those are merged or listed as conflicts. The bound stops a clock set years ahead
# (a flat CMOS battery) from dragging the hall's clocks with it; a counter refused for
# it is not locked out once its clock is fixed, because it lowers its own clock to this
# bound when the central tells it the time (SyncClient._heard_from).
MAX_CLOCK_AHEAD_MS = 24 * 3600 * 1000


class ErrorCode(StrEnum):
    MALFORMED = "malformed"
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    REVOKED = "revoked"
    WRONG_DEVICE = "wrong_device"
    UNKNOWN_TABLE = "unknown_table"
    READ_ONLY_TABLE = "read_only_table"
    HASH_MISMATCH = "hash_mismatch"
    SEQUENCE_REUSED = "sequence_reused"
    CLOCK_AHEAD = "clock_ahead"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    BAD_ENROL_CODE = "bad_enrol_code"
    DEVICE_ENROLLED = "device_enrolled"
    NOT_PERMITTED = "not_permitted"
    ILLEGAL_CHANGE = "illegal_change"

    @property
    def chinese(self) -> str:
        return REASONS[self][0]

    @property
    def english(self) -> str:
        return REASONS[self][1]

    def reason(self, detail: str = "") -> str:
        base = f"{self.chinese}（{self.english}）"
        return f"{base}：{detail}" if detail else base


REASONS: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.MALFORMED: ("请求不是有效的 JSON", "request body is not valid JSON"),
    ErrorCode.INVALID: ("请求字段缺失或类型不对", "a field is missing or has the wrong type"),
    ErrorCode.UNAUTHENTICATED: (
        "缺少或无法识别的设备令牌，请重新登记本机",
        "missing or unknown device token; enrol this device again",
    ),
    ErrorCode.REVOKED: (
        "本机已被中心停用，请联系值班长",
        "this device has been revoked; ask the supervisor",
    ),
    ErrorCode.WRONG_DEVICE: (
        "提交的数据属于另一台设备",
        "the ops belong to a different device than the token",
    ),
    ErrorCode.UNKNOWN_TABLE: (
        "中心不认识该数据表，请先升级中心服务",
        "the central does not know this table; upgrade the central first",
    ),
    ErrorCode.READ_ONLY_TABLE: (
        "该数据只能由中心发布，窗口不能修改",
        "this table is published by the central and read-only at a counter",
    ),
    ErrorCode.HASH_MISMATCH: (
        "同一操作编号的内容与中心已收到的不同",
        "an op with this id was already received with different content",
    ),
    ErrorCode.SEQUENCE_REUSED: (
        "本机序号已被使用（数据文件可能从旧备份恢复）",
        "this device sequence number was already used (store restored from a backup?)",
    ),
    ErrorCode.CLOCK_AHEAD: (
        "本机时钟比中心快太多，请校准时间后由值班长处理",
        "the device clock is too far ahead of the central; fix the clock",
    ),
    ErrorCode.TOO_LARGE: ("一次提交的数据太多", "request or batch too large"),
    ErrorCode.RATE_LIMITED: ("请求过于频繁，稍后自动重试", "too many requests; retrying later"),
    ErrorCode.BAD_ENROL_CODE: (
        "登记码无效、已用过或已过期",
        "enrol code unknown, used or expired",
    ),
    ErrorCode.DEVICE_ENROLLED: (
        "该设备已经登记；重新登记须值班长在中心先停用它或为它生成专用登记码",
        "this device is already enrolled; re-enrolment needs a code made for it on the central",
    ),
    ErrorCode.NOT_PERMITTED: (
        "中心按其记录拒绝了此操作",
        "not permitted by the central's records of this device and staff member",
    ),
    ErrorCode.ILLEGAL_CHANGE: (
        "此修改不符合业务规则",
        "the change breaks a rule of the domain",
    ),
}

#: "import" is a row a counter kept while it ran alone, sent once after its enrolment
#: when its code allowed it (counter.sync.history_tables); the central stores it as the
#: table's own kind.
Kind = Literal["insert", "upsert", "delete", "event", "import"]


class _Wire(BaseModel):
    """Answers: a counter reads them from a central that may be newer than it, so a
    field it does not know is passed over, not an error."""

    model_config = ConfigDict(extra="ignore")


#: The answer a counter asks for (``?answer=``): 2 adds what a counter from before
#: issue 25 would refuse to parse (the conflicts of a push, the central's clock).
ANSWER_VERSION = 2


class _Request(BaseModel):
    """Requests are checked strictly: a sequence sent as "5" is a client bug, not a 5."""

    model_config = ConfigDict(extra="forbid", strict=True)


class WireOp(_Request):
    seq: int = Field(ge=1, le=2**63 - 1)
    op_id: str = Field(min_length=1, max_length=64)
    table_name: str = Field(min_length=1, max_length=64)
    row_id: str = Field(min_length=1, max_length=512)
    kind: Kind
    payload: dict[str, Any]
    hlc: str = Field(pattern=r"^\d{15}-\d{6}$")
    schema_version: int = Field(ge=1, le=2**31 - 1)
    #: The staff member signed in when the op was made; checked against the central's
    #: own staff records, never believed for a role.
    actor: str = Field(default="", max_length=64)
    #: Her signature over the op (counter.model.staff_key), needed for hall-wide tables.
    proof: str = Field(default="", max_length=200)
    #: For a change to a row the device already held: the value each changed field had
    #: before it (counter.model.merge). With it the central merges concurrent edits of
    #: different fields and sees a conflict where two devices changed the same one.
    base: dict[str, Any] | None = None

    def content_hash(self) -> str:
        """What "the same op" means on replay: everything but the id itself (and the
        optional fields an op may leave out, as ops from before them did)."""
        unnamed = {"actor", "proof"} if not (self.actor or self.proof) else set()
        if self.base is None:
            unnamed.add("base")
        body = self.model_dump(exclude={"op_id", *unnamed})
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class PushRequest(_Request):
    device_id: str = Field(min_length=1, max_length=64)
    ops: list[WireOp]


class Refusal(_Wire):
    op_id: str
    code: ErrorCode
    reason: str


class PushResponse(_Wire):
    acked: list[str]
    refused: list[Refusal]
    next_expected_seq: int
    #: Acked ops whose change met another device's change to the same field: the hall
    #: keeps one and the other waits on the 同步冲突 list (counter.model.merge).
    conflicts: list[str] = []
    #: The central's clock when it answered (0 from a central from before it): how a
    #: counter finds how far its own clock is off.
    central_ms: int = 0

    #: What a counter that asked for the first answer (none) is not sent.
    NEWER: ClassVar[frozenset[str]] = frozenset({"conflicts", "central_ms"})


class Change(_Wire):
    cursor: int
    table_name: str
    row_id: str
    kind: Kind
    payload: dict[str, Any]
    hlc: str
    origin: str


class PullPage(_Wire):
    changes: list[Change]
    cursor: int
    more: bool
    central_ms: int = 0


class EnrolRequest(_Request):
    code: str = Field(min_length=1, max_length=64)
    device_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=100)


class EnrolResponse(_Wire):
    device_id: str
    token: str
    #: What the central enrolled the device as (its code said so, not the device).
    kind: str = "window"
    window: str = ""
    #: Whether the central takes the work this device did before it was ever enrolled
    #: (its code was made with ``--history``): the rows of counter.sync.history_tables,
    #: sent as "import" ops before anything else.
    history: bool = False


class ErrorBody(_Wire):
    """Every 4xx answer: which rule, in words a person can act on, and the op if one."""

    code: ErrorCode
    reason: str
    op_id: str | None = None
