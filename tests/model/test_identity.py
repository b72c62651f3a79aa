"""Identifier checks (USCC, resident ID, mobile) and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from counter.model.errors import ValidationError
from counter.model.identity import (
    USCC_ALPHABET,
    IdentifierCheck,
    birth_date,
    check_mobile,
    check_resident_id,
    check_uscc,
    describe_char,
    is_area_code_warning,
    mask_id,
    mask_id_typing,
    mask_name,
    mask_phone,
    normalise,
    require,
    sex,
)

# The example from the brief and stdnum's own doctest example, both verified by stdnum.
VALID_USCC = ("91110000802100433B", "91110000600037341L")
# Built with stdnum: area 110101 (北京市东城区), born 1990-01-01, sequence 123.
VALID_ID = "110101199001011237"


def _with_id_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# --- USCC --------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCC)
def test_known_valid_uscc(code: str) -> None:
    assert uscc.is_valid(code)
    check = check_uscc(code)
    assert check == IdentifierCheck(code, (), ())
    assert check.ok
    assert not check.needs_override


def test_uscc_is_normalised() -> None:
    check = check_uscc(" ９１１１００００６０００３７３４１ｌ ")
    assert check.value == "91110000600037341L"
    assert check.ok and not check.warnings
    assert check_uscc("9111-0000 6000 37341l").value == "91110000600037341L"


def test_uscc_empty() -> None:
    assert check_uscc("   ").errors == ("请输入统一社会信用代码",)


def test_uscc_wrong_length_says_how_many() -> None:
    check = check_uscc("9111000060003734")
    assert not check.ok
    assert check.errors == ("统一社会信用代码应为18位，现在是16位",)


def test_uscc_bad_character_named_with_position() -> None:
    check = check_uscc("9111I000600037341L")
    assert not check.ok
    assert check.errors[0].startswith("第5位字符“I”不是统一社会信用代码允许的字符")
    two = check_uscc("9111O0006000S7341L")
    assert "第5位字符“O”、第13位字符“S”" in two.errors[0]


def test_uscc_checksum_mismatch_is_a_warning_naming_the_expected_char() -> None:
    check = check_uscc("91110000600037341A")
    assert check.ok
    assert check.needs_override
    assert len(check.warnings) == 1
    assert "第18位应为“L”" in check.warnings[0]


def test_uscc_unknown_authority_is_only_a_warning() -> None:
    body = "H2110000600037341"
    check = check_uscc(body + uscc.calc_check_digit(body))
    assert check.ok and check.needs_override
    assert "登记管理部门" in check.warnings[0]


_AUTHORITIES = "123456789ABCDEFGNY"
_alphabet = st.sampled_from(USCC_ALPHABET)
_valid_uscc = st.builds(
    lambda a, t, region, org: a + t + region + org,
    st.sampled_from(_AUTHORITIES),
    _alphabet,
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
).map(lambda body: body + uscc.calc_check_digit(body))


@given(_valid_uscc)
def test_every_valid_uscc_passes_clean(code: str) -> None:
    check = check_uscc(code)
    assert check.errors == ()
    assert check.warnings == ()
    assert check.value == code


@given(_valid_uscc, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_change_fails_the_uscc_checksum(
    code: str, position: int, data: st.DataObject
) -> None:
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    check = check_uscc(changed)
    assert check.ok  # a checksum failure is a warning for USCC...
    assert any("校验码不符" in w for w in check.warnings)  # ...but never silent


# --- resident ID ---------------------------------------------------------------------


def test_known_valid_id() -> None:
    assert ric.is_valid(VALID_ID)
    check = check_resident_id(VALID_ID, today=date(2026, 6, 1))
    assert check == IdentifierCheck(VALID_ID, (), ())
    assert birth_date(VALID_ID) == date(1990, 1, 1)
    assert sex(VALID_ID) == "男"  # sequence 123: odd
    assert sex(_with_id_check("11010119900101124")) == "女"


def test_id_lowercase_x_and_full_width_are_normalised() -> None:
    body = "11010519491231002"
    number = _with_id_check(body)
    assert number.endswith("X")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())
    check = check_resident_id(full_width)
    assert check.value == number
    assert check.ok and not check.warnings


def test_id_empty_and_length() -> None:
    assert check_resident_id("").errors == ("请输入居民身份证号码",)
    assert check_resident_id("1101011990010112").errors == ("居民身份证号码应为18位，现在是16位",)
    assert "第一代" in check_resident_id("110101900101123").errors[0]


def test_id_bad_characters() -> None:
    check = check_resident_id("11010119900101A237")
    assert check.errors[0].startswith("第15位字符“A”不是居民身份证号码允许的字符")
    assert "只有最后一位" in check_resident_id("1101011990X1011237").errors[0]


def test_id_impossible_birth_date_is_a_hard_error() -> None:
    number = _with_id_check("11010119990230123")  # 30 Feb 1999, checksum right
    check = check_resident_id(number)
    assert not check.ok
    assert check.errors == ("出生日期“19990230”不是有效的日期",)
    with pytest.raises(ValidationError, match="19990230"):
        birth_date(number)


def test_id_birth_date_in_the_future() -> None:
    number = _with_id_check("11010120300101123")
    assert check_resident_id(number).ok  # no today given: not checked
    check = check_resident_id(number, today=date(2026, 6, 1))
    assert check.errors == ("出生日期 2030-01-01 晚于今天，请核对",)


def test_id_bad_checksum_is_a_hard_error_naming_the_expected_char() -> None:
    check = check_resident_id("110101199001011234")
    assert not check.ok
    assert check.errors == ("校验码不符：第18位应为“7”，现在是“4”，请核对是否输错",)


def test_id_unknown_area_with_good_checksum_only_warns() -> None:
    number = _with_id_check("99000019900101123")
    assert not ric.is_valid(number)  # stdnum alone would reject this person
    check = check_resident_id(number, today=date(2026, 6, 1))
    assert check.ok
    assert check.needs_override
    assert "地区码“990000”" in check.warnings[0]


_valid_ids = st.builds(
    lambda born, seq: _with_id_check(f"110101{born:%Y%m%d}{seq:03d}"),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(_valid_ids)
def test_every_valid_id_passes_clean(number: str) -> None:
    check = check_resident_id(number, today=date(2026, 1, 1))
    assert check == IdentifierCheck(number, (), ())
    assert sex(number) == ("男" if int(number[16]) % 2 else "女")


@given(_valid_ids, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_change_fails_the_id_checksum(
    number: str, position: int, data: st.DataObject
) -> None:
    allowed = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in allowed if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    check = check_resident_id(changed)
    assert not check.ok
    assert any("校验码不符" in e for e in check.errors)


def test_helpers_reject_malformed_numbers() -> None:
    with pytest.raises(ValidationError) as info:
        sex("12345")
    assert info.value.field == "resident_id"


# --- mobile --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_accepted_forms(text: str) -> None:
    check = check_mobile(text)
    assert check == IdentifierCheck("13812345678", (), ())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "请输入手机号码"),
        ("+86", "请输入手机号码"),
        ("1381234567", "应为11位，现在是10位"),
        ("12812345678", "第二位为3–9"),
        ("23812345678", "第二位为3–9"),
        ("1381234567a", "第11位字符“A”不是数字"),
    ],
)
def test_mobile_rejected(text: str, fragment: str) -> None:
    check = check_mobile(text)
    assert not check.ok
    assert fragment in check.errors[0]


@given(st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
def test_every_mobile_pattern_passes(second: str, rest: str) -> None:
    assert check_mobile("1" + second + rest).ok


# --- require -------------------------------------------------------------------------


def test_require() -> None:
    assert require(check_uscc(VALID_USCC[0].lower()), "uscc") == VALID_USCC[0]
    # Warnings are the caller's business (supervisor override), not require's.
    assert require(check_uscc("91110000600037341A"), "uscc") == "91110000600037341A"
    with pytest.raises(ValidationError) as info:
        require(check_resident_id("110101199001011234"), "applicant_id")
    assert info.value.field == "applicant_id"
    assert info.value.message.startswith("校验码不符")


# --- masking -------------------------------------------------------------------------


def test_masking_examples() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id(VALID_ID) == "110101********1237"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("张") == "张"
    assert mask_name("欧阳娜娜") == "欧**娜"


@pytest.mark.parametrize("text", ["", " ", "1", "1234", "1234567", "12345678", "x" * 40])
def test_masks_never_raise_nor_leak_short_values(text: str) -> None:
    for mask in (mask_phone, mask_id, mask_name):
        masked = mask(text)
        assert len(masked) == len(text.strip())
    assert mask_phone("1234567") == "*******"
    assert mask_id("1234567890") == "**********"
    assert mask_phone("12345678") == "123*5678"


@given(st.text())
def test_masks_keep_length(text: str) -> None:
    for mask in (mask_phone, mask_id, mask_name):
        assert len(mask(text)) == len(text.strip())


# --- invisible characters (issue 27) -------------------------------------------------

# Hengyang: area 430405 (珠晖区) was set up in 2001; a person born there in 1980 carries
# it, and stdnum says the code did not exist yet.
HENGYANG_ID = "430405198001011239"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"])
def test_an_invisible_character_pasted_into_an_id_is_stripped(invisible: str) -> None:
    check = check_resident_id(f"{invisible}1101011990{invisible}01011237{invisible}")
    assert check == IdentifierCheck(VALID_ID, (), ())
    assert normalise(f"1101 0119 9001 0112 3７{invisible}") == VALID_ID
    assert check_uscc(f"91110000600037341L{invisible}").value == "91110000600037341L"


def test_an_error_names_an_invisible_character_by_its_code_never_quotes_it() -> None:
    check = check_resident_id("1101011990\u316401011237")
    assert not check.ok
    assert "第11位不可见字符(U+3164)不是居民身份证号码允许的字符" in check.errors[1]
    assert "“\u3164”" not in "".join(check.errors)
    control = check_resident_id("11010119900101123\x07")
    assert "不可见字符(U+0007)" in control.errors[-1] and "\x07" not in control.errors[-1]
    assert "第4位不可见字符(U+0000)" in check_mobile("138\x0012345678").errors[0]
    assert describe_char("I") == "字符“I”"
    assert describe_char("\u0301") == "不可见字符(U+0301)"


def test_the_area_code_warning_is_recognised_as_the_id_s_own() -> None:
    check = check_resident_id(HENGYANG_ID)
    assert check.ok and check.needs_override
    assert is_area_code_warning(check.warnings[0], HENGYANG_ID)
    assert is_area_code_warning(check.warnings[0], "4304 0519 8001 0112 39")
    assert not is_area_code_warning(check.warnings[0], VALID_ID)


def test_an_id_being_typed_shows_only_its_area_code_then_the_last_four() -> None:
    """The kiosk's field (issue 28): the birth date never shows, the length always does."""
    assert [mask_id_typing(VALID_ID[:n]) for n in (0, 4, 6, 10)] == [
        "", "1101", "110101", "110101****",
    ]  # fmt: skip
    assert mask_id_typing(VALID_ID) == "110101********1237"
    assert mask_id_typing("１１０１０１ １９９００１０１ １２３７") == "110101********1237"
