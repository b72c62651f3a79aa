"""What a supervisor types to enrol a counter with the central, checked before any call."""

from __future__ import annotations

import re

from counter.model.errors import ValidationError

_URL = re.compile(r"^https?://[^\s/]+(:\d+)?(/\S*)?$")
_CODE = re.compile(r"^[A-Za-z0-9-]{6,64}$")


def central_url_problem(text: str) -> str | None:
    """Why ``text`` is not a central's address, or ``None``; empty means "no central"."""
    if text and not _URL.match(text):
        return "地址应形如 https://中心地址:端口，留空表示不连接中心"
    return None


def check_enrolment(url: str, code: str) -> tuple[str, str]:
    """The address without a trailing slash and the one-time code, or the field at fault."""
    url = url.strip().rstrip("/")
    code = code.strip().upper()
    if not url:
        raise ValidationError("central_url", "请填写中心地址，例如 https://10.0.0.5:8443")
    problem = central_url_problem(url)
    if problem:
        raise ValidationError("central_url", problem)
    if not code:
        raise ValidationError("code", "请填写值班长在中心生成的一次性登记码")
    if not _CODE.match(code):
        raise ValidationError("code", "登记码只含字母、数字和连字符，请核对后重新输入")
    return url, code
