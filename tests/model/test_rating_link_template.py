"""The receipt's rating link (扫码评价): the central's page by the case's token, or a
hall's own template by the case number; never a link that cannot work."""

from __future__ import annotations

import pytest

from counter.model.ratings import is_token, rating_link
from counter.model.settings import Settings

#: A token as the intake service makes them (tests/services/test_rating_token.py).
TOKEN = "q3Vx-9kZ_Lm2Pa7TbN0wYe"


def test_the_default_points_to_the_centrals_page_for_the_cases_token() -> None:
    template = Settings()["rating_url"]
    link = rating_link(template, "SQ-1", TOKEN, "https://10.0.0.5:8443/")
    assert link == f"https://10.0.0.5:8443/rate/{TOKEN}"


def test_a_halls_own_templates_keep_working() -> None:
    assert rating_link("https://hcp.example.org/rate?no={number}", "SQ-1", TOKEN, "") == (
        "https://hcp.example.org/rate?no=SQ-1"
    )
    public = "https://hcp.example.gov.cn/rate/{token}"
    assert rating_link(public, "SQ-1", TOKEN, "") == f"https://hcp.example.gov.cn/rate/{TOKEN}"


@pytest.mark.parametrize(
    ("template", "token", "central"),
    [
        ("", TOKEN, "https://c"),  # the hall prints no rating QR
        ("{central}/rate/{token}", "", "https://c"),  # a case from before tokens
        ("{central}/rate/{token}", TOKEN, ""),  # a counter that knows no central
    ],
    ids=["no-template", "no-token", "no-central"],
)
def test_no_link_is_printed_rather_than_one_that_cannot_work(
    template: str, token: str, central: str
) -> None:
    assert rating_link(template, "SQ-1", token, central) == ""


def test_only_22_url_safe_characters_are_a_token() -> None:
    assert is_token(TOKEN) and len(TOKEN) == 22
    for bad in ("", TOKEN[:-1], TOKEN + "A", "a/b" + TOKEN[3:], "' OR 1=1 --------------"):
        assert not is_token(bad)
