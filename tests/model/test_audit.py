from __future__ import annotations

from typing import Any

from counter.model.audit import GENESIS, entry_hash, verify_chain


def chain(n: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    previous = GENESIS
    for seq in range(1, n + 1):
        entry = {
            "seq": seq,
            "id": f"e{seq}",
            "device_id": "d1",
            "at": f"2026-11-27T10:00:0{seq % 10}.000+08:00",
            "staff_id": "s1",
            "staff_name": "李娜",
            "role": "clerk",
            "window": "3",
            "action": "decision",
            "target": f"cases:{seq}",
            "detail": '{"decision":"accept"}',
            "prev_hash": previous,
        }
        entry["hash"] = previous = entry_hash(entry)
        entries.append(entry)
    return entries


def test_an_untouched_chain_verifies() -> None:
    report = verify_chain("d1", chain(5))
    assert report.ok and report.entries == 5


def test_a_changed_entry_is_named_as_the_first_broken_one() -> None:
    entries = chain(5)
    entries[2]["detail"] = '{"decision":"reject"}'
    report = verify_chain("d1", entries)
    assert report.broken_seq == 3 and "改动" in report.reason


def test_an_entry_rehashed_after_a_change_breaks_the_next_link() -> None:
    entries = chain(5)
    entries[1]["staff_name"] = "别人"
    entries[1]["hash"] = entry_hash(entries[1])
    assert verify_chain("d1", entries).broken_seq == 3


def test_a_removed_entry_is_named_by_its_missing_number() -> None:
    entries = chain(5)
    del entries[3]
    report = verify_chain("d1", entries)
    assert report.broken_seq == 4 and "缺少" in report.reason


def test_the_report_names_device_and_entry_in_chinese() -> None:
    entries = chain(3)
    entries[0]["window"] = "9"
    assert "第 1 条起哈希链断裂" in verify_chain("d1", entries).describe()
