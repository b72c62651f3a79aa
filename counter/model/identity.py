"""Checking and masking the identifiers clerks type in: 统一社会信用代码, 居民身份证号码,
mobile numbers.

A check never raises: it returns an :class:`IdentifierCheck` with the normalised value,
hard *errors* (the input cannot be right) and soft *warnings* (it is unusual but real
documents like it exist, so a supervisor may override). Keeping the two apart is the
point: early USCCs fail their own checksum and ``stdnum.cn.ric`` rejects people whose
birth-place code was renamed, yet neither may be silently accepted nor hard-blocked.
:func:`require` turns a check into a value or a :class:`ValidationError` for a form.

The checksum maths comes from python-stdnum; this module adds the Chinese messages
that say which character is wrong and what was expected. stdnum is imported by the
checks that use it: a kiosk, a board or a sign-in only masks, and paints sooner
without it (tests/test_lazy_imports.py).

Masking (docs/domain.md "Personal information") is here too, because it is defined on the
same strings and must never raise on odd input — a slip must print even when a
stored value is malformed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from counter.model.errors import ValidationError

__all__ = [
    "USCC_ALPHABET",
    "IdentifierCheck",
    "birth_date",
    "check_mobile",
    "check_resident_id",
    "check_uscc",
    "describe_char",
    "is_area_code_warning",
    "mask_id",
    "mask_name",
    "mask_phone",
    "normalise",
    "require",
    "sex",
]

#: GB 32100-2015 code alphabet: digits and capitals without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: First character, the registration authority (登记管理部门代码). GB 32100 lists
#: 1 机构编制, 5 民政, 9 工商, Y 其他; later allocations added more digits and letters
#: (e.g. N 农业 for rural collectives). Outside this set is only a warning.
_USCC_AUTHORITIES = frozenset("123456789ABCDEFGNY")

_DIGITS = frozenset("0123456789")
_ID_CHARS = _DIGITS | {"X"}


@dataclass(frozen=True)
class IdentifierCheck:
    """Outcome of checking one identifier.

    ``value`` is the normalised text (what should be stored); ``errors`` block saving;
    ``warnings`` need a supervisor's override. Messages are Chinese, for the UI.
    """

    value: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No hard errors: the value may be saved (possibly after an override)."""
        return not self.errors

    @property
    def needs_override(self) -> bool:
        """Valid in form but unusual: ask a supervisor before accepting."""
        return self.ok and bool(self.warnings)


#: Characters that look like nothing on screen yet are not format characters (those are
#: dropped by :func:`normalise`): Hangul and half-width fillers, the braille blank.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def normalise(text: str) -> str:
    """Fold what input methods, card readers and copy-paste produce into the canonical
    form: the one normaliser of identifiers, used by the intake, the 失信 list and the
    queue's one-ticket-per-person rule alike.

    Full-width digits and letters (common with a Chinese IME on) become half width;
    spaces and hyphens people insert for readability are dropped, and so are invisible
    format characters pasted along from web pages and chat apps (zero-width space,
    zero-width (non-)joiner, byte-order mark, soft hyphen, direction marks: Unicode
    category Cf); letters are upper-cased since both standards use capitals only.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif code == 0x3000:
            ch = " "
        if ch.isspace() or ch == "-" or unicodedata.category(ch) == "Cf":
            continue
        out.append(ch)
    return "".join(out).upper()


def describe_char(ch: str) -> str:
    """A character as an error message names it: ``字符“I”``, or, for one that shows as
    nothing (a control character, a filler, a lone combining mark), its code point —
    ``不可见字符(U+3164)`` — never an empty pair of quotes."""
    visible = ch.isprintable() and unicodedata.category(ch) not in {"Mn", "Me"}
    if visible and ch not in _BLANK_LOOKING:
        return f"字符“{ch}”"
    return f"不可见字符(U+{ord(ch):04X})"


def _bad_chars_message(value: str, allowed: frozenset[str], what: str) -> str | None:
    """Name every offending character with its 1-based position, or None if all fit."""
    bad = [
        f"第{i}位{describe_char(ch)}" for i, ch in enumerate(value, start=1) if ch not in allowed
    ]
    if not bad:
        return None
    return f"{'、'.join(bad)}不是{what}允许的字符"


def check_uscc(text: str) -> IdentifierCheck:
    """Check a 统一社会信用代码 (GB 32100-2015).

    Length and alphabet are hard errors. The check character is only a warning,
    because some codes issued in the early pilots fail it and are nonetheless real;
    the warning names the expected character so the clerk can spot a typo. The
    authority and region fields are checked lightly, as warnings.
    """
    value = normalise(text)
    if not value:
        return IdentifierCheck(value, errors=("请输入统一社会信用代码",))
    errors: list[str] = []
    warnings: list[str] = []
    if len(value) != 18:
        errors.append(f"统一社会信用代码应为18位，现在是{len(value)}位")
    bad = _bad_chars_message(value, frozenset(USCC_ALPHABET), "统一社会信用代码")
    if bad is not None:
        errors.append(f"{bad}（代码中不使用字母 I、O、Z、S、V）")
    if errors:
        return IdentifierCheck(value, errors=tuple(errors))

    if value[0] not in _USCC_AUTHORITIES:
        warnings.append(f"第1位“{value[0]}”不是已知的登记管理部门代码，请核对")
    if not value[2:8].isdigit():
        warnings.append(f"第3–8位“{value[2:8]}”应为6位数字的行政区划代码，请核对")
    from stdnum.cn import uscc

    expected = uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        warnings.append(
            f"校验码不符：第18位应为“{expected}”，现在是“{value[17]}”。"
            "请核对是否输错；早期试点发放的代码可能无法通过校验，需值班长确认"
        )
    return IdentifierCheck(value, warnings=tuple(warnings))


def check_resident_id(text: str, today: date | None = None) -> IdentifierCheck:
    """Check an 18-digit 居民身份证号码 (GB 11643-1999).

    The birth date and the MOD 11-2 check character are hard errors: a wrong one is a
    typo, never a real card. The area code is only a warning, because codes are
    renamed and ``stdnum`` rejects people born under a code it does not list.
    ``today`` is passed in (this module never reads the clock); with ``None`` the
    "born in the future" check is skipped.
    """
    value = normalise(text)
    if not value:
        return IdentifierCheck(value, errors=("请输入居民身份证号码",))
    errors: list[str] = []
    warnings: list[str] = []
    if len(value) != 18:
        if len(value) == 15 and value.isdigit():
            errors.append("这是15位的第一代身份证号码，已停止使用，请输入18位号码")
        else:
            errors.append(f"居民身份证号码应为18位，现在是{len(value)}位")
    bad = _bad_chars_message(value, _ID_CHARS, "居民身份证号码")
    if bad is not None:
        errors.append(f"{bad}（只能是数字，最后一位可以是 X）")
    elif "X" in value[:-1]:
        position = value.index("X") + 1
        errors.append(f"第{position}位是“X”，只有最后一位（校验码）可以是 X")
    if errors:
        return IdentifierCheck(value, errors=tuple(errors))

    born = _birth_date_or_none(value)
    if born is None:
        errors.append(f"出生日期“{value[6:14]}”不是有效的日期")
    elif today is not None and born > today:
        errors.append(f"出生日期 {born.isoformat()} 晚于今天，请核对")
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError as StdnumValidationError

    expected = ric.calc_check_digit(value)
    if value[17] != expected:
        errors.append(f"校验码不符：第18位应为“{expected}”，现在是“{value[17]}”，请核对是否输错")
    if born is not None and not errors:
        try:
            ric.get_birth_place(value)
        except StdnumValidationError:
            warnings.append(
                f"{_area_code_mark(value)}在行政区划代码表中查不到（或出生时尚未设立），"
                "请核对证件；确认无误需值班长确认"
            )
    return IdentifierCheck(value, errors=tuple(errors), warnings=tuple(warnings))


def _area_code_mark(value: str) -> str:
    return f"地区码“{value[:6]}”"


def is_area_code_warning(message: str, id_number: str) -> bool:
    """Whether ``message`` is the area-code warning of this ID (the code renamed or
    not yet set up when its holder was born): the warning a supervisor's confirmation
    of the person settles for later visits."""
    value = normalise(id_number)
    return len(value) == 18 and message.startswith(_area_code_mark(value))


def _birth_date_or_none(value: str) -> date | None:
    """The YYYYMMDD at positions 7–14 as a date, or None if it is not a real date."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError as StdnumValidationError

    try:
        return ric.get_birth_date(value)
    except (StdnumValidationError, ValueError):
        return None


def _require_id_shape(value: str) -> str:
    """Normalise and insist on 17 digits + digit/X, for the helpers below."""
    value = normalise(value)
    if re.fullmatch(r"\d{17}[\dX]", value) is None:
        raise ValidationError("resident_id", "居民身份证号码格式不正确")
    return value


def birth_date(value: str) -> date:
    """Birth date encoded in an 18-digit ID (e.g. for age-based priority lanes).

    Raises :class:`ValidationError` on a malformed number or an impossible date.
    """
    value = _require_id_shape(value)
    born = _birth_date_or_none(value)
    if born is None:
        raise ValidationError("resident_id", f"出生日期“{value[6:14]}”不是有效的日期")
    return born


def sex(value: str) -> str:
    """'男' or '女' from the sequence code's last digit (odd = male, GB 11643)."""
    value = _require_id_shape(value)
    return "男" if int(value[16]) % 2 else "女"


def check_mobile(text: str) -> IdentifierCheck:
    """Check a mainland mobile number: ``1[3-9]`` and 9 more digits.

    Separators and a leading ``+86``/``0086``/``86`` country code are dropped, since
    numbers arrive copied from forms and business cards in all these shapes.
    """
    value = normalise(text)
    for sep in "()":
        value = value.replace(sep, "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not value:
        return IdentifierCheck(value, errors=("请输入手机号码",))
    errors: list[str] = []
    bad = [
        f"第{i}位{describe_char(ch)}" for i, ch in enumerate(value, start=1) if ch not in _DIGITS
    ]
    if bad:
        errors.append(f"手机号码只能包含数字，{'、'.join(bad)}不是数字")
    elif len(value) != 11:
        errors.append(f"手机号码应为11位，现在是{len(value)}位")
    elif re.fullmatch(r"1[3-9]\d{9}", value) is None:
        errors.append("手机号码应以1开头、第二位为3–9")
    return IdentifierCheck(value, errors=tuple(errors))


def require(check: IdentifierCheck, field: str) -> str:
    """The checked value for saving, or a :class:`ValidationError` at ``field``.

    Warnings do not stop it: deciding an override is the caller's business (the
    service asks a supervisor); this only refuses what can never be right.
    """
    if not check.ok:
        raise ValidationError(field, check.errors[0])
    return check.value


def _mask_middle(text: str, head: int, tail: int) -> str:
    """Keep ``head`` and ``tail`` characters, star the rest, keep the length.

    When the text is too short to hide at least one character that way, star all of
    it: a malformed value must still print, and must not leak more than a good one.
    """
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_phone(text: str) -> str:
    """前三后四: ``13812345678`` → ``138****5678``."""
    return _mask_middle(text.strip(), 3, 4)


def mask_id(text: str) -> str:
    """First 6 and last 4 kept, the rest starred, same length (18 → 8 stars)."""
    return _mask_middle(text.strip(), 6, 4)


def mask_id_typing(text: str) -> str:
    """An ID number as it is typed on a public screen (the kiosk): the 6-digit area code
    in clear and a star for each digit after it, the last 4 shown once all 18 are in —
    ``110101********1234``, as on paper. The visitor sees how far they are; the birth
    date never shows."""
    value = normalise(text)
    if len(value) >= 18:
        return mask_id(value)
    return value[:6] + "*" * max(0, len(value) - 6)


def mask_name(text: str) -> str:
    """``张三丰`` → ``张*丰``, ``张三`` → ``张*``; a single character stays as is."""
    name = text.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
