from __future__ import annotations

import pytest

from counter.model.enrolment import central_url_problem, check_enrolment
from counter.model.errors import ValidationError


def test_address_and_code_are_tidied() -> None:
    assert check_enrolment(" http://10.0.0.5:8600/ ", " abcd-2345 ") == (
        "http://10.0.0.5:8600",
        "ABCD-2345",
    )


@pytest.mark.parametrize(
    ("url", "code", "field"),
    [
        ("", "ABCDEFGH", "central_url"),
        ("10.0.0.5:8600", "ABCDEFGH", "central_url"),
        ("ftp://10.0.0.5", "ABCDEFGH", "central_url"),
        ("http://10.0.0.5:8600", "", "code"),
        ("http://10.0.0.5:8600", "登记码", "code"),
        ("http://10.0.0.5:8600", "ABC", "code"),
    ],
)
def test_the_field_at_fault_is_named(url: str, code: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_enrolment(url, code)
    assert caught.value.field == field


def test_an_empty_address_means_no_central_in_settings() -> None:
    assert central_url_problem("") is None
    assert central_url_problem("central.hall") is not None
