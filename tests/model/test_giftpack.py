from __future__ import annotations

import pytest

from counter.model.errors import ValidationError
from counter.model.giftpack import DEFAULT_CONTENTS, GiftPackLine, parse_contents


def test_default_pack_has_every_startup_item() -> None:
    names = [line.name for line in DEFAULT_CONTENTS]
    for expected in (
        "营业执照正本", "营业执照副本", "公章", "财务专用章", "发票专用章",
        "法定代表人名章", "税务UKey", "首套发票", "政策汇编", "办事指南",
    ):  # fmt: skip
        assert expected in names


def test_a_halls_list_is_read_from_toml() -> None:
    text = """
    [[item]]
    name = "营业执照正本"
    [[item]]
    name = "电子印章"
    quantity = 4
    unit = "枚"
    note = "含手机端"
    """
    assert parse_contents(text) == (
        GiftPackLine("营业执照正本"),
        GiftPackLine("电子印章", 4, "枚", "含手机端"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[item]]\nquantity = 1\n", "第 1 条缺少名称"),
        ('[[item]]\nname = "公章"\nquantity = 0\n', "数量应为正整数"),
        ("title = 1\n", "没有任何 [[item]]"),
        ("[[item]\n", "格式有误"),
    ],
)
def test_a_bad_list_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_contents(text)
    assert message in caught.value.message
