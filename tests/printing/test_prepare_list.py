from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pdf_helpers import fonts, text

from counter.model.clock import HALL_TZ
from counter.model.visits import PrepareLine, PrepareList
from counter.printing.prepare_list import prepare_list_pdf

SHEET = PrepareList(
    hall_name="示范市政务服务中心",
    enterprise_name="示范科技有限公司",
    uscc="91350100M000100Y43",
    target_name="企业开办",
    specialist="王强",
    made_at=datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ),
    ready=("公司登记（备案）申请书",),
    to_prepare=(
        PrepareLine("住所使用证明", "原件", 1, ""),
        PrepareLine("股东身份证明", "复印件", 2, "须 2 份"),
    ),
    exempt=("法定代表人身份证",),
)


def test_the_list_names_every_material_to_prepare_with_its_count() -> None:
    body = text(prepare_list_pdf(SHEET))
    assert "尚需准备以下 2 项材料" in body
    assert "住所使用证明" in body and "股东身份证明" in body and "须 2 份" in body
    assert "示范科技有限公司" in body and "王强" in body


def test_a_complete_prereview_says_so() -> None:
    body = text(prepare_list_pdf(replace(SHEET, to_prepare=())))
    assert "已全部备齐" in body


def test_the_font_is_embedded() -> None:
    assert all(f["embedded"] for f in fonts(prepare_list_pdf(SHEET)))
