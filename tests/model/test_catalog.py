from __future__ import annotations

import pytest

from counter.model.catalog import (
    Bundle,
    Catalog,
    Checklist,
    Department,
    Item,
    ItemMaterial,
    ItemSource,
    Material,
    MaterialForm,
)
from counter.model.errors import ValidationError

ID_CARD = Material("M-ID", "申请人身份证", shared_source="公安人口库")
LICENCE = Material("M-LIC", "营业执照", shared_source="电子证照库")
FORM = Material("M-FORM", "申请表")
LEASE = Material("M-LEASE", "租赁合同")


def item(code: str, *needs: ItemMaterial, promised: float = 5, legal: float = 20) -> Item:
    return Item(code, f"事项{code}", "D", ItemSource.LOCAL, legal, promised, materials=needs)


def test_merged_checklist_asks_a_shared_material_once() -> None:
    a = item("A-0001", ItemMaterial(FORM), ItemMaterial(LEASE, MaterialForm.COPY))
    b = item("B-0001", ItemMaterial(FORM, MaterialForm.COPY), ItemMaterial(LEASE))
    merged = Checklist.merge([a, b])
    assert [line.material.id for line in merged] == ["M-FORM", "M-LEASE"]
    assert merged.naive_count == 4
    assert merged.asked_count == 2


def test_merged_checklist_takes_the_strictest_form_and_most_copies() -> None:
    a = item("A-0001", ItemMaterial(LEASE, MaterialForm.COPY, copies=2))
    b = item("B-0001", ItemMaterial(LEASE, MaterialForm.ORIGINAL, copies=1))
    (line,) = Checklist.merge([a, b]).lines
    assert line.form is MaterialForm.ORIGINAL
    assert line.copies == 2
    assert line.asked_by == ("A-0001", "B-0001")


def test_rongque_survives_a_merge_only_if_every_item_allows_it() -> None:
    a = item("A-0001", ItemMaterial(LEASE, rongque=True))
    b = item("B-0001", ItemMaterial(LEASE, rongque=False))
    c = item("C-0001", ItemMaterial(LEASE, rongque=True))
    assert not Checklist.merge([a, b]).lines[0].rongque
    assert Checklist.merge([a, c]).lines[0].rongque


def test_shared_data_materials_are_listed_as_exempt_and_not_asked() -> None:
    a = item("A-0001", ItemMaterial(ID_CARD), ItemMaterial(FORM))
    b = item("B-0001", ItemMaterial(ID_CARD), ItemMaterial(LICENCE))
    merged = Checklist.merge([a, b])
    assert {line.material.id for line in merged.exempt} == {"M-ID", "M-LIC"}
    assert [line.material.id for line in merged.asked] == ["M-FORM"]
    assert merged.saved_count == 3
    assert "需提交 1 项" in merged.reduction_text()
    assert "合计 4 项" in merged.reduction_text()


def test_required_wins_over_conditional_when_merging() -> None:
    a = item("A-0001", ItemMaterial(LEASE, required=False, condition="租赁场所的"))
    b = item("B-0001", ItemMaterial(LEASE))
    (line,) = Checklist.merge([a, b]).lines
    assert line.required and line.condition == ""


def test_promised_limit_beyond_legal_limit_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        item("A-0001", ItemMaterial(FORM), promised=25, legal=20)
    assert err.value.field == "promised_days"


def test_limits_must_be_half_day_steps() -> None:
    with pytest.raises(ValidationError, match="半天"):
        item("A-0001", ItemMaterial(FORM), promised=0.3)


def test_bundle_checklist_resolves_its_items() -> None:
    a = item("A-0001", ItemMaterial(FORM))
    b = item("B-0001", ItemMaterial(FORM), ItemMaterial(LEASE))
    bundle = Bundle("YJS-X", "某一件事", ("A-0001", "B-0001"), 0.5)
    catalog = Catalog("v1", (Department("D", "部门"),), (FORM, LEASE), (a, b), (bundle,))
    checklist = catalog.bundle_checklist(catalog.bundle("YJS-X"))
    assert checklist.asked_count == 2 and checklist.naive_count == 3


def test_a_bundle_needs_two_distinct_items() -> None:
    with pytest.raises(ValidationError):
        Bundle("YJS-X", "一件事", ("A-0001",), 1)
    with pytest.raises(ValidationError):
        Bundle("YJS-X", "一件事", ("A-0001", "A-0001"), 1)
