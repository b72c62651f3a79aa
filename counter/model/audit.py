"""The audit chain: each entry holds the hash of the one before it.

An entry is hashed with SHA-256 over its canonical JSON (sorted keys, no spaces, UTF-8),
``prev_hash`` included, so changing, removing or reordering any entry breaks every
hash after it. Chains are per device: each counter numbers its own entries 1, 2, 3 …
and the central checks each device's chain on its own. Pure functions here, so the
counter and the central verify with the same code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64

#: The fields that are hashed; ``hash`` itself is not among them.
HASHED_FIELDS = (
    "seq",
    "id",
    "device_id",
    "at",
    "staff_id",
    "staff_name",
    "role",
    "window",
    "action",
    "target",
    "detail",
    "prev_hash",
)


class AuditAction(StrEnum):
    """What is logged: each is something a reviewer of the hall's record asks about."""

    DECISION = "decision"  # 受理 / 补正 / 不予受理 / 容缺, and later case decisions
    UNMASK = "unmask"  # an ID number or phone shown in full
    PRINT = "print"  # a document printed (or reprinted)
    EXPORT = "export"  # data leaving the counter (backup, export file)
    OVERRIDE = "override"  # a supervisor confirming a warning or a sync refusal
    CATALOG = "catalog"  # catalog, holiday table, queue categories, settings changed
    STAFF = "staff"  # staff accounts changed
    SESSION = "session"  # sign-in, sign-out, screen lock


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: Mapping[str, Any]) -> str:
    body = {name: entry[name] for name in HASHED_FIELDS}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """One device's chain: how many entries, and the first broken one if any."""

    device_id: str
    entries: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None

    def describe(self) -> str:
        if self.ok:
            return f"设备 {self.device_id}：审计记录 {self.entries} 条，哈希链完整"
        return (
            f"设备 {self.device_id}：审计记录 {self.entries} 条，"
            f"第 {self.broken_seq} 条起哈希链断裂（{self.reason}）"
        )


def verify_chain(device_id: str, entries: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk one device's entries in sequence order and name the first that breaks."""
    ordered = sorted(entries, key=lambda e: int(e["seq"]))
    previous = GENESIS
    for expected, entry in enumerate(ordered, start=1):
        seq = int(entry["seq"])
        if seq != expected:
            return ChainReport(device_id, len(ordered), expected, f"缺少第 {expected} 条")
        try:
            recomputed = entry_hash(entry)
        except KeyError as exc:
            return ChainReport(device_id, len(ordered), seq, f"缺少字段 {exc.args[0]}")
        if entry["prev_hash"] != previous:
            return ChainReport(device_id, len(ordered), seq, "与上一条的哈希不符")
        if entry["hash"] != recomputed:
            return ChainReport(device_id, len(ordered), seq, "内容被改动")
        previous = entry["hash"]
    return ChainReport(device_id, len(ordered))
