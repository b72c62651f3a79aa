"""Intake (受理): the applicant, the checklist as worked at the window, and the decision.

The clerk works a merged checklist line by line (original received, copy received,
exempt through shared data, promised under 容缺, missing) and then picks one of the
five outcomes of 行政许可法 Art. 32, or 容缺受理. :func:`check_decision` is the one
place that says whether the materials allow that outcome, with a Chinese message at
the field that must change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from counter.model.catalog import Checklist, ChecklistLine, Material, MaterialForm
from counter.model.errors import NotAllowedError, ValidationError, ValidationErrors
from counter.model.identity import (
    check_mobile,
    check_resident_id,
    check_uscc,
    is_area_code_warning,
)


class ApplicantKind(StrEnum):
    ENTERPRISE = "企业"
    PERSON = "个人"

    @property
    def id_label(self) -> str:
        return "统一社会信用代码" if self is ApplicantKind.ENTERPRISE else "居民身份证"


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    id_number: str
    name: str
    phone: str
    legal_rep: str = ""
    contact: str = ""

    @property
    def key(self) -> str:
        """Same applicant on any device → same row after sync."""
        return f"{'E' if self.kind is ApplicantKind.ENTERPRISE else 'P'}:{self.id_number}"


@dataclass(frozen=True)
class Agent:
    """代办人: someone applying on the applicant's behalf."""

    name: str
    id_number: str


@dataclass(frozen=True)
class ApplicantForm:
    """The applicant fields as typed, before checking."""

    kind: ApplicantKind
    id_number: str = ""
    name: str = ""
    phone: str = ""
    legal_rep: str = ""
    contact: str = ""
    agent_name: str = ""
    agent_id: str = ""


@dataclass(frozen=True)
class FieldWarning:
    """A soft warning at a field: savable only once a supervisor has confirmed it."""

    field: str
    message: str


@dataclass(frozen=True)
class Verification:
    """A supervisor's confirmation of a person's ID despite its area-code warning (a
    code renamed after the holder was born, such as Hengyang's 4304xx districts in
    2001), remembered so the person is not stopped again at the next visit, at any
    window: it is read from the synced case events that recorded the override."""

    id_number: str
    by: str  # the supervisor's name
    by_id: str
    on: date

    @property
    def text(self) -> str:
        return f"已核验（值班长 {self.by} {self.on.isoformat()}）"


def first_verification(
    id_number: str, confirmations: Iterable[tuple[datetime, str]]
) -> Verification | None:
    """The earliest supervisor's override among case events (time, data JSON) of this
    person's cases that confirmed this ID's area-code warning; None if none did."""
    for at, data in sorted(confirmations, key=lambda c: c[0]):
        try:
            recorded = json.loads(data or "{}")
        except ValueError:
            continue
        warnings = recorded.get("override_warnings") or ()
        if recorded.get("override_by") and any(
            is_area_code_warning(str(w), id_number) for w in warnings
        ):
            return Verification(
                id_number, str(recorded["override_by"]), str(recorded.get("override_by_id", "")),
                at.date(),
            )  # fmt: skip
    return None


#: The fields that hold a person's resident ID, whose confirmation is remembered.
PERSON_ID_FIELDS = ("id_number", "agent_id")


def still_to_confirm(
    warnings: Sequence[FieldWarning], verified: Mapping[str, Verification]
) -> tuple[FieldWarning, ...]:
    """The warnings a supervisor must still confirm: the area-code warning of an ID
    confirmed before (``verified``, by field) is not asked again."""
    return tuple(
        w
        for w in warnings
        if not (
            w.field in verified
            and w.field in PERSON_ID_FIELDS
            and is_area_code_warning(w.message, verified[w.field].id_number)
        )
    )


def _name(text: str, field: str, what: str, *, minimum: int = 2) -> str:
    value = " ".join(text.split())
    if not value:
        raise ValidationError(field, f"请填写{what}")
    if len(value) < minimum:
        raise ValidationError(field, f"{what}至少 {minimum} 个字")
    if len(value) > 100:
        raise ValidationError(field, f"{what}最多 100 个字，现在是 {len(value)} 个")
    if any(ch.isdigit() for ch in value) and field != "name":
        raise ValidationError(field, f"{what}不应包含数字")
    return value


def check_field(form: ApplicantForm, field: str, today: date) -> tuple[str, tuple[str, ...]]:
    """Check one field as it is typed: its normalised value and its soft warnings.

    Raises :class:`ValidationError` at ``field`` for what can never be right.
    """
    enterprise = form.kind is ApplicantKind.ENTERPRISE
    if field == "id_number":
        check = (
            check_uscc(form.id_number) if enterprise else check_resident_id(form.id_number, today)
        )
        if not check.ok:
            raise ValidationError("id_number", check.errors[0])
        return check.value, check.warnings
    if field == "name":
        what = "企业名称" if enterprise else "申请人姓名"
        return _name(form.name, "name", what, minimum=4 if enterprise else 2), ()
    if field == "phone":
        check = check_mobile(form.phone)
        if not check.ok:
            raise ValidationError("phone", check.errors[0])
        return check.value, ()
    if field == "legal_rep":
        if not enterprise:
            return "", ()
        return _name(form.legal_rep, "legal_rep", "法定代表人姓名"), ()
    if field == "contact":
        if not enterprise or not form.contact.strip():
            return "", ()
        return _name(form.contact, "contact", "联系人姓名"), ()
    if field == "agent_name":
        if not form.agent_name.strip() and not form.agent_id.strip():
            return "", ()
        return _name(form.agent_name, "agent_name", "代办人姓名"), ()
    if field == "agent_id":
        if not form.agent_name.strip() and not form.agent_id.strip():
            return "", ()
        check = check_resident_id(form.agent_id, today)
        if not check.ok:
            raise ValidationError("agent_id", f"代办人{check.errors[0]}")
        return check.value, check.warnings
    raise ValueError(f"unknown applicant field {field!r}")


APPLICANT_FIELDS = ("id_number", "name", "legal_rep", "contact", "phone", "agent_name", "agent_id")


SAME_PERSON = "代办人与申请人是同一人，无需填写代办人"


def applicant_errors(form: ApplicantForm, today: date) -> dict[str, str]:
    """Every field's hard error, by field in screen order (empty when all are right),
    so the form shows them all at once rather than one per try."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for field in APPLICANT_FIELDS:
        try:
            values[field], _ = check_field(form, field, today)
        except ValidationError as exc:
            errors[exc.field] = exc.message
    agent_id, id_number = values.get("agent_id"), values.get("id_number")
    if values.get("agent_name") and agent_id is not None and agent_id == id_number:
        errors["agent_id"] = SAME_PERSON
    return errors


def check_applicant(
    form: ApplicantForm, today: date
) -> tuple[Applicant, Agent | None, tuple[FieldWarning, ...]]:
    """Every field checked in screen order; every hard error is raised together
    (:class:`ValidationErrors`, the first field's as its ``field`` and ``message``)."""
    errors = applicant_errors(form, today)
    if errors:
        raise ValidationErrors(errors)
    values: dict[str, str] = {}
    warnings: list[FieldWarning] = []
    for field in APPLICANT_FIELDS:
        value, soft = check_field(form, field, today)
        values[field] = value
        warnings.extend(FieldWarning(field, w) for w in soft)
    applicant = Applicant(
        kind=form.kind,
        id_number=values["id_number"],
        name=values["name"],
        phone=values["phone"],
        legal_rep=values["legal_rep"],
        contact=values["contact"],
    )
    agent = Agent(values["agent_name"], values["agent_id"]) if values["agent_name"] else None
    return applicant, agent, tuple(warnings)


# --- The checklist at the window ----------------------------------------------------


class MaterialStatus(StrEnum):
    ORIGINAL = "原件已收"
    COPY = "复印件已收"
    EXEMPT = "免提交"
    PROMISED = "容缺承诺"
    MISSING = "未提交"

    @property
    def received(self) -> bool:
        return self in (MaterialStatus.ORIGINAL, MaterialStatus.COPY)


@dataclass(frozen=True)
class LineState:
    """How one checklist line stands at the window."""

    material_id: str
    status: MaterialStatus
    copies: int = 0
    promised_due: date | None = None


def initial_states(checklist: Checklist) -> tuple[LineState, ...]:
    """Shared-data materials start exempt; everything else starts missing."""
    return tuple(
        LineState(
            line.material.id, MaterialStatus.EXEMPT if line.exempt else MaterialStatus.MISSING
        )
        for line in checklist
    )


def set_status(
    line: ChecklistLine,
    state: LineState,
    status: MaterialStatus,
    *,
    promised_due: date | None = None,
) -> LineState:
    """Change one line's status, refusing what the line cannot be."""
    name = line.material.name
    if status is MaterialStatus.EXEMPT and not line.exempt:
        raise ValidationError("checklist", f"“{name}”不在共享数据免提交范围内，不能标为免提交")
    if status is MaterialStatus.PROMISED and not line.rongque:
        raise NotAllowedError(f"“{name}”不在本事项的容缺受理清单内，不能容缺")
    if status.received:
        copies = max(state.copies, line.copies)
        return LineState(state.material_id, status, copies, None)
    if status is MaterialStatus.PROMISED:
        return LineState(state.material_id, status, 0, promised_due)
    return LineState(state.material_id, status, 0, None)


def set_copies(line: ChecklistLine, state: LineState, copies: int) -> LineState:
    if not state.status.received:
        raise ValidationError("checklist", f"“{line.material.name}”尚未收取，不能填写份数")
    if not 1 <= copies <= 99:
        raise ValidationError("checklist", f"“{line.material.name}”的份数应为 1–99")
    return replace(state, copies=copies)


def shortfall(line: ChecklistLine, state: LineState) -> str | None:
    """Why this line is not complete for acceptance, or None when it is."""
    name = line.material.name
    if state.status is MaterialStatus.EXEMPT:
        return None
    if state.status is MaterialStatus.MISSING:
        return None if not line.required else f"缺少“{name}”"
    if state.status is MaterialStatus.PROMISED:
        return f"“{name}”为容缺承诺"
    if line.form is MaterialForm.ORIGINAL and state.status is MaterialStatus.COPY:
        return f"“{name}”须提交原件，只收到复印件"
    if state.copies < line.copies:
        return f"“{name}”须 {line.copies} 份，只收到 {state.copies} 份"
    return None


class Decision(StrEnum):
    """The five outcomes of Art. 32, and 容缺受理 (local practice)."""

    NO_LICENCE = "不需行政许可"
    NOT_OUR_OFFICE = "不属本机关职权"
    CORRECTED = "当场更正后受理"
    SUPPLEMENT = "一次性告知补正"
    ACCEPT = "受理"
    RONGQUE = "容缺受理"


def missing_lines(
    checklist: Checklist, states: Sequence[LineState]
) -> tuple[tuple[ChecklistLine, str], ...]:
    """Every line that keeps the case from acceptance, with why: the 一次性告知 lists ALL."""
    out = []
    for line, state in zip(checklist.lines, states, strict=True):
        why = shortfall(line, state)
        if why is not None and state.status is not MaterialStatus.PROMISED:
            out.append((line, why))
    return tuple(out)


def check_decision(
    decision: Decision,
    checklist: Checklist,
    states: Sequence[LineState],
    *,
    reason: str = "",
    other_office: str = "",
    today: date,
    latest_promise: date | None = None,
) -> None:
    """Refuse a decision the materials do not support, at the field that must change.

    ``latest_promise`` is the promised completion date: a 容缺 promise may not run
    beyond it (docs/domain.md).
    """
    if len(states) != len(checklist.lines):
        raise ValueError("one state per checklist line")
    for line, state in zip(checklist.lines, states, strict=True):
        if line.material.id != state.material_id:
            raise ValueError("states out of checklist order")
        if state.status is MaterialStatus.PROMISED and not line.rongque:
            raise NotAllowedError(f"“{line.material.name}”不在本事项的容缺受理清单内，不能容缺")
    promised = [
        (line, state)
        for line, state in zip(checklist.lines, states, strict=True)
        if state.status is MaterialStatus.PROMISED
    ]
    missing = missing_lines(checklist, states)

    if decision is Decision.NO_LICENCE:
        if not reason.strip():
            raise ValidationError("reason", "请填写不需要行政许可的理由（将写入告知书）")
        return
    if decision is Decision.NOT_OUR_OFFICE:
        if not other_office.strip():
            raise ValidationError("other_office", "请填写申请人应当前往的机关")
        if not reason.strip():
            raise ValidationError("reason", "请填写不予受理的理由（将写入告知书）")
        return
    if decision is Decision.SUPPLEMENT:
        if promised:
            raise ValidationError(
                "checklist",
                f"“{promised[0][0].material.name}”标为容缺承诺；一次性告知补正时请改为未提交",
            )
        if not missing:
            raise ValidationError("checklist", "材料已齐全，无需补正，请直接受理")
        return
    if missing:
        lines = "；".join(why for _, why in missing)
        raise ValidationError("checklist", f"材料不齐，不能{decision.value}：{lines}")
    if decision is Decision.RONGQUE:
        if not promised:
            raise ValidationError("checklist", "没有标为容缺承诺的材料；材料齐全时请直接受理")
        for line, state in promised:
            if state.promised_due is None:
                raise ValidationError("checklist", f"请填写“{line.material.name}”的承诺补交日期")
            if state.promised_due < today:
                raise ValidationError(
                    "checklist", f"“{line.material.name}”的承诺补交日期不能早于今天"
                )
            if latest_promise is not None and state.promised_due > latest_promise:
                raise ValidationError(
                    "checklist",
                    f"“{line.material.name}”的承诺补交日期不能晚于承诺办结日 "
                    f"{latest_promise.isoformat()}",
                )
        return
    if promised:
        raise ValidationError(
            "checklist",
            f"“{promised[0][0].material.name}”为容缺承诺，请选择容缺受理（F7）",
        )
    if decision is Decision.CORRECTED and not reason.strip():
        raise ValidationError("reason", "请写明当场更正了什么")


def check_promises_kept(open_promises: Sequence[str], *, supervisor: bool, reason: str) -> bool:
    """A 容缺 case is approved only once every promised material is in, or on the duty
    supervisor's recorded exception (with a reason, for the file). Returns whether the
    approval is such an exception."""
    if not open_promises:
        return False
    names = "、".join(f"“{n}”" for n in open_promises)
    if not supervisor:
        raise NotAllowedError(
            f"容缺承诺的材料{names}尚未补齐，不能办结（准予）：补齐后点“容缺材料补齐”再办结；"
            "确需先办结的，请值班长登记例外"
        )
    if not reason.strip():
        raise ValidationError("reason", f"容缺材料{names}尚未补齐：值班长登记例外须写明原因")
    return True


def promise_lapsed_on(due: date, met_on: date | None, today: date) -> date | None:
    """The day a 容缺 promise lapsed: the day after its date, once the material came
    later (``met_on``) or, still missing, ``today`` is past it; None while it holds."""
    return due + timedelta(days=1) if (met_on or today) > due else None


@dataclass(frozen=True)
class CaseMaterial:
    """A checklist line as stored with its case: the catalog's demand and the window's state."""

    material_id: str
    position: int
    name: str
    form: MaterialForm
    copies_required: int
    required: bool
    rongque: bool
    shared_source: str | None
    asked_by: tuple[str, ...]
    status: MaterialStatus
    copies: int = 0
    promised_due: date | None = None

    @classmethod
    def of(cls, position: int, line: ChecklistLine, state: LineState) -> CaseMaterial:
        return cls(
            material_id=line.material.id,
            position=position,
            name=line.material.name,
            form=line.form,
            copies_required=line.copies,
            required=line.required,
            rongque=line.rongque,
            shared_source=line.material.shared_source,
            asked_by=line.asked_by,
            status=state.status,
            copies=state.copies,
            promised_due=state.promised_due,
        )

    @property
    def line(self) -> ChecklistLine:
        return ChecklistLine(
            material=Material(self.material_id, self.name, self.shared_source),
            form=self.form,
            copies=self.copies_required,
            required=self.required,
            condition="",
            rongque=self.rongque,
            asked_by=self.asked_by,
        )

    @property
    def state(self) -> LineState:
        return LineState(self.material_id, self.status, self.copies, self.promised_due)
