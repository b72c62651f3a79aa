"""The hall's 失信 list: applicants to whom 容缺受理 is not offered.

容缺受理 takes an applicant's written promise in place of a material; the hall does not
take that promise from a party on a 失信 list (docs/domain.md: 严重失信主体 and
失信被执行人, imported by the supervisor from 信用中国 or the court's list, or entered
by hand). The list is hall-wide: edited at any counter, synced to every window.

One entry per identifier, the identifier normalised as the intake normalises it, so an
ID typed with spaces or full-width digits still finds its entry.

File format (UTF-8, one entry per line, ``#`` starts a comment)::

    # 证件号,名称,原因
    91350100M000100Y43,示范科技有限公司,失信被执行人（（2026）闽0102执123号）
"""

from __future__ import annotations

from dataclasses import dataclass

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.identity import check_resident_id, check_uscc

#: A reason longer than this is a pasted document, not a reason.
MAX_REASON = 200


@dataclass(frozen=True)
class CreditEntry:
    """One listed party: its identifier (USCC or resident ID), name, and why."""

    id_number: str
    name: str
    reason: str = ""


def normalise_identifier(text: str) -> str:
    """The identifier as the intake stores it: half width, no spaces, capitals."""
    return check_uscc(text).value


def check_entry(id_number: str, name: str, reason: str, *, line: int | None = None) -> CreditEntry:
    """A valid entry, or a :class:`ValidationError` naming the field (and file line)."""
    where = f"第 {line} 行：" if line is not None else ""
    value = normalise_identifier(id_number)
    if not value:
        raise ValidationError("id_number", f"{where}请填写统一社会信用代码或身份证号")
    if len(value) != 18:
        raise ValidationError(
            "id_number",
            f"{where}统一社会信用代码和身份证号都是18位，现在是{len(value)}位",
        )
    uscc, resident = check_uscc(value), check_resident_id(value)
    if not (uscc.ok or resident.ok):
        problem = (resident if value[:17].isdigit() else uscc).errors
        raise ValidationError("id_number", where + (problem[0] if problem else "证件号无效"))
    if not name.strip():
        raise ValidationError("name", f"{where}请填写名称或姓名")
    if len(reason.strip()) > MAX_REASON:
        raise ValidationError("reason", f"{where}原因最多 {MAX_REASON} 字")
    return CreditEntry(value, name.strip(), reason.strip())


def parse_credit_file(text: str) -> list[CreditEntry]:
    """Every entry of the file, or the first bad line's error: nothing half-imported."""
    entries: dict[str, CreditEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",", 2)]
        if len(parts) < 2:
            raise ValidationError(
                "credit_file",
                f"第 {number} 行应为“证件号,名称[,原因]”，"
                "如 91350100M000100Y43,某公司,失信被执行人",
            )
        entry = check_entry(parts[0], parts[1], parts[2] if len(parts) > 2 else "", line=number)
        entries[entry.id_number] = entry
    if not entries:
        raise ValidationError("credit_file", "文件中没有任何名单条目")
    return list(entries.values())


def check_rongque_allowed(listed: CreditEntry | None) -> None:
    """容缺 is refused, with the reason, for a listed applicant (or agent)."""
    if listed is None:
        return
    why = f"（{listed.reason}）" if listed.reason else ""
    raise NotAllowedError(
        f"{listed.name} 在本厅失信名单中{why}，不适用容缺受理：请收齐全部材料后受理，"
        "或一次性告知补正"
    )
