from __future__ import annotations

import pytest

from counter.assets import demo_catalog_text
from counter.model.catalog_file import CatalogFileError, parse_catalog

SMALL = """\
[meta]
version = "t1"

[[departments]]
code = "SCJG"
name = "市场监督管理局"

[[materials]]
id = "M-FORM"
name = "申请表"

[[items]]
code = "SCJG-0001"
name = "企业设立登记"
department = "SCJG"
source = "本级"
legal_days = 15
promised_days = 0.5
materials = [{ ref = "M-FORM", form = "原件", copies = 1, required = true }]
"""


def test_a_small_catalog_parses() -> None:
    catalog = parse_catalog(SMALL)
    assert catalog.version == "t1"
    assert catalog.item("SCJG-0001").promised_days == 0.5


def test_the_demo_catalog_parses_and_is_marked_demo() -> None:
    catalog = parse_catalog(demo_catalog_text())
    assert catalog.demo
    assert len(catalog.departments) == 10
    assert len(catalog.items) >= 80
    names = {b.name for b in catalog.bundles}
    for wanted in ("企业开办", "证照联办", "企业注销"):
        assert any(wanted in n for n in names)


def test_the_demo_catalog_shows_the_halls_reduction() -> None:
    catalog = parse_catalog(demo_catalog_text())
    asked = sum(catalog.bundle_checklist(b).asked_count for b in catalog.bundles)
    naive = sum(catalog.bundle_checklist(b).naive_count for b in catalog.bundles)
    assert asked < naive * 0.75


def test_broken_toml_names_the_line() -> None:
    with pytest.raises(CatalogFileError) as err:
        parse_catalog(SMALL.replace('name = "申请表"', 'name = "申请表'))
    assert err.value.line == 10


def test_an_unknown_department_names_the_item_line_and_field() -> None:
    with pytest.raises(CatalogFileError) as err:
        parse_catalog(SMALL.replace('department = "SCJG"', 'department = "XXX"'))
    assert err.value.line == 12
    assert "department" in err.value.message
    assert "XXX" in err.value.message


def test_a_misspelled_key_is_refused_not_ignored() -> None:
    with pytest.raises(CatalogFileError, match="promise_days"):
        parse_catalog(SMALL.replace("promised_days", "promise_days"))


def test_an_unknown_material_reference_is_named() -> None:
    with pytest.raises(CatalogFileError, match=r"materials\[1\]\.ref"):
        parse_catalog(SMALL.replace('ref = "M-FORM"', 'ref = "M-NOPE"'))


def test_a_bad_source_lists_the_allowed_values() -> None:
    with pytest.raises(CatalogFileError, match="市级赋权"):
        parse_catalog(SMALL.replace('source = "本级"', 'source = "省级"'))


def test_a_half_day_that_is_not_a_half_day_is_refused() -> None:
    with pytest.raises(CatalogFileError, match="promised_days"):
        parse_catalog(SMALL.replace("promised_days = 0.5", "promised_days = 0.7"))


def test_a_bundle_says_who_applies_for_it_enterprises_unless_told() -> None:
    catalog = parse_catalog(demo_catalog_text())
    applicants = {b.code: b.applicant for b in catalog.bundles}
    assert applicants["YJS-XSECS"] == "个人"  # 新生儿出生一件事
    assert applicants["YJS-QYKB"] == "企业"  # 企业开办: the default


def test_a_bundle_for_someone_else_is_refused_at_its_field() -> None:
    text = demo_catalog_text().replace('applicant = "个人"', 'applicant = "家庭"', 1)
    with pytest.raises(CatalogFileError, match="applicant") as err:
        parse_catalog(text)
    assert "“企业”或“个人”" in err.value.message
