from __future__ import annotations

import pytest

from counter.assets import demo_catalog_text
from counter.model.catalog_file import parse_catalog
from counter.model.catalog_search import CatalogIndex, pinyin_initials


@pytest.fixture(scope="module")
def index() -> CatalogIndex:
    return CatalogIndex(parse_catalog(demo_catalog_text()))


def test_initials_of_a_chinese_name() -> None:
    assert pinyin_initials("企业开办") == "qykb"


def test_pinyin_initials_find_the_startup_bundle_first(index: CatalogIndex) -> None:
    assert index.search("qykb")[0].name == "企业开办"


def test_a_code_finds_its_item_first(index: CatalogIndex) -> None:
    code = index.catalog.active_items[0].code
    assert index.search(code.lower())[0].code == code


def test_a_chinese_fragment_finds_names_containing_it(index: CatalogIndex) -> None:
    results = index.search("注销")
    assert results and all("注销" in r.name or "zx" in r.initials for r in results)


def test_retired_items_are_hidden_unless_asked_for(index: CatalogIndex) -> None:
    retired = [i for i in index.catalog.items if not i.active]
    assert retired
    assert all(r.code != retired[0].code for r in index.search(retired[0].name))
    found = index.search(retired[0].name, include_retired=True)
    assert any(r.code == retired[0].code for r in found)


def test_nonsense_finds_nothing(index: CatalogIndex) -> None:
    assert index.search("zzzzqqq") == []
