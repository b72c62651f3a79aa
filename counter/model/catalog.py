"""The item catalog (事项目录): departments, items, materials and one-thing bundles.

The catalog changes ("能进能出"), so every object here is immutable and a whole
catalog carries its version; a case remembers the version it was taken under.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from counter.model.errors import NotFoundError, ValidationError


class ItemSource(StrEnum):
    """Where the hall's power over an item comes from."""

    LOCAL = "本级"
    DELEGATED = "市级赋权"
    FORWARDED = "部门前移"


class ItemStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class MaterialForm(StrEnum):
    ORIGINAL = "原件"
    COPY = "复印件"
    ELECTRONIC = "电子"


# When two items ask for one material in different forms, the stricter one is asked.
_FORM_STRICTNESS = {MaterialForm.ELECTRONIC: 0, MaterialForm.COPY: 1, MaterialForm.ORIGINAL: 2}


def check_days(value: float, field_name: str) -> float:
    """Time limits are working days in half-day steps (0.5 工作日 is a real promise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field_name, "时限必须是数字（工作日）")
    if value < 0:
        raise ValidationError(field_name, "时限不能为负数")
    if (value * 2) != int(value * 2):
        raise ValidationError(field_name, f"时限 {value} 不是半天（0.5 工作日）的整数倍")
    return float(value)


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Material:
    """A material as the hall knows it; one id for the same paper whichever item asks."""

    id: str
    name: str
    shared_source: str | None = None
    note: str = ""

    @property
    def exempt(self) -> bool:
        """Fetched by the hall from shared data (免提交), so never asked of the applicant."""
        return self.shared_source is not None


@dataclass(frozen=True)
class ItemMaterial:
    """How one item asks for a material."""

    material: Material
    form: MaterialForm = MaterialForm.ORIGINAL
    copies: int = 1
    required: bool = True
    condition: str = ""
    rongque: bool = False

    def __post_init__(self) -> None:
        if self.copies < 1:
            raise ValidationError("copies", f"材料“{self.material.name}”的份数必须至少为 1")
        if self.required and self.condition:
            raise ValidationError("condition", f"材料“{self.material.name}”必需时不应带条件")


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    department: str
    source: ItemSource
    legal_days: float
    promised_days: float
    fee: float = 0.0
    status: ItemStatus = ItemStatus.ACTIVE
    materials: tuple[ItemMaterial, ...] = ()

    def __post_init__(self) -> None:
        check_days(self.legal_days, "legal_days")
        check_days(self.promised_days, "promised_days")
        if self.promised_days > self.legal_days:
            raise ValidationError(
                "promised_days",
                f"事项“{self.name}”的承诺时限 {self.promised_days} 超过法定时限 {self.legal_days}",
            )
        if self.fee < 0:
            raise ValidationError("fee", f"事项“{self.name}”的收费不能为负数")
        ids = [m.material.id for m in self.materials]
        if len(ids) != len(set(ids)):
            raise ValidationError("materials", f"事项“{self.name}”重复列出了同一材料")

    @property
    def active(self) -> bool:
        return self.status is ItemStatus.ACTIVE

    @property
    def rongque_materials(self) -> tuple[Material, ...]:
        return tuple(m.material for m in self.materials if m.rongque)

    def checklist(self) -> Checklist:
        return Checklist.merge([self])


#: Who a bundle is for: the intake form's applicant kinds (counter.model.intake).
BUNDLE_APPLICANTS = ("企业", "个人")


@dataclass(frozen=True)
class Bundle:
    """A one-thing bundle (一件事一次办): several items taken in one intake."""

    code: str
    name: str
    item_codes: tuple[str, ...]
    promised_days: float
    fee: float = 0.0
    description: str = ""
    stages: tuple[str, ...] = ()
    #: Who applies for it, as the intake form's applicant kind starts: 企业 (企业开办)
    #: or 个人 (新生儿出生一件事).
    applicant: str = "企业"

    def __post_init__(self) -> None:
        check_days(self.promised_days, "promised_days")
        if self.applicant not in BUNDLE_APPLICANTS:
            raise ValidationError(
                "applicant",
                f"“{self.name}”的申请人应为" + "或".join(f"“{a}”" for a in BUNDLE_APPLICANTS)
                + f"，现在是“{self.applicant}”",
            )  # fmt: skip
        if len(self.item_codes) < 2:
            raise ValidationError("items", f"“{self.name}”至少要包含两个事项")
        if len(set(self.item_codes)) != len(self.item_codes):
            raise ValidationError("items", f"“{self.name}”重复列出了同一事项")
        if self.stages and len(self.stages) != len(self.item_codes):
            raise ValidationError("stages", f"“{self.name}”的阶段数与事项数不一致")


@dataclass(frozen=True)
class ChecklistLine:
    """One material in a (possibly merged) checklist, asked once however many items need it."""

    material: Material
    form: MaterialForm
    copies: int
    required: bool
    condition: str
    rongque: bool
    asked_by: tuple[str, ...]

    @property
    def exempt(self) -> bool:
        return self.material.exempt


@dataclass(frozen=True)
class Checklist:
    lines: tuple[ChecklistLine, ...]
    naive_count: int = field(default=0)

    @classmethod
    def merge(cls, items: Iterable[Item]) -> Checklist:
        """Merge items' lists: one line per material, the strictest form, the most copies.

        A material counts as required if any item requires it, and may be missing at
        intake (容缺) only if every item that asks for it allows that.
        """
        merged: dict[str, ChecklistLine] = {}
        naive = 0
        for item in items:
            for need in item.materials:
                naive += 1
                line = merged.get(need.material.id)
                if line is None:
                    merged[need.material.id] = ChecklistLine(
                        material=need.material,
                        form=need.form,
                        copies=need.copies,
                        required=need.required,
                        condition=need.condition,
                        rongque=need.rongque,
                        asked_by=(item.code,),
                    )
                    continue
                form = max(line.form, need.form, key=_FORM_STRICTNESS.__getitem__)
                required = line.required or need.required
                merged[need.material.id] = ChecklistLine(
                    material=line.material,
                    form=form,
                    copies=max(line.copies, need.copies),
                    required=required,
                    condition="" if required else (line.condition or need.condition),
                    rongque=line.rongque and need.rongque,
                    asked_by=(*line.asked_by, item.code),
                )
        return cls(lines=tuple(merged.values()), naive_count=naive)

    def __iter__(self) -> Iterator[ChecklistLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def asked(self) -> tuple[ChecklistLine, ...]:
        """The lines the applicant must bring: shared-data materials are not asked."""
        return tuple(line for line in self.lines if not line.exempt)

    @property
    def exempt(self) -> tuple[ChecklistLine, ...]:
        return tuple(line for line in self.lines if line.exempt)

    @property
    def asked_count(self) -> int:
        return len(self.asked)

    @property
    def saved_count(self) -> int:
        """Materials the applicant no longer brings: merged away or fetched from shared data."""
        return self.naive_count - self.asked_count

    def reduction_text(self) -> str:
        return (
            f"需提交 {self.asked_count} 项（各事项清单合计 {self.naive_count} 项，"
            f"合并去重与共享免提交减少 {self.saved_count} 项）"
        )


@dataclass(frozen=True)
class Catalog:
    """A whole catalog at one version; lookups by code, bundles resolved to their items."""

    version: str
    departments: tuple[Department, ...]
    materials: tuple[Material, ...]
    items: tuple[Item, ...]
    bundles: tuple[Bundle, ...]
    demo: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items", {i.code: i for i in self.items})
        object.__setattr__(self, "_bundles", {b.code: b for b in self.bundles})
        object.__setattr__(self, "_departments", {d.code: d for d in self.departments})

    def item(self, code: str) -> Item:
        try:
            return self._items[code]  # type: ignore[attr-defined,no-any-return]
        except KeyError:
            raise NotFoundError(f"目录中没有事项 {code}") from None

    def bundle(self, code: str) -> Bundle:
        try:
            return self._bundles[code]  # type: ignore[attr-defined,no-any-return]
        except KeyError:
            raise NotFoundError(f"目录中没有一件事 {code}") from None

    def department(self, code: str) -> Department:
        try:
            return self._departments[code]  # type: ignore[attr-defined,no-any-return]
        except KeyError:
            raise NotFoundError(f"目录中没有部门 {code}") from None

    def has_item(self, code: str) -> bool:
        return code in self._items  # type: ignore[attr-defined]

    def has_bundle(self, code: str) -> bool:
        return code in self._bundles  # type: ignore[attr-defined]

    def bundle_items(self, bundle: Bundle) -> tuple[Item, ...]:
        return tuple(self.item(code) for code in bundle.item_codes)

    def bundle_checklist(self, bundle: Bundle) -> Checklist:
        return Checklist.merge(self.bundle_items(bundle))

    @property
    def active_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.active)
