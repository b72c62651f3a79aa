"""Case numbers (办件编号): the configurable pattern and the device's short code.

Apart from :mod:`counter.model.cases` because the settings check the pattern: every
start reads the settings, and the case model brings the ID checks (python-stdnum), which
a kiosk or a call board never needs before it paints (tests/test_lazy_imports.py).
:mod:`counter.model.cases` re-exports both names.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime

from counter.model.errors import ValidationError

_FIELDS = {"yyyy", "yy", "mm", "dd", "device", "window", "seq"}
DEFAULT_CASE_NUMBER_PATTERN = "{yyyy}{mm}{dd}-{window}{device}-{seq}"
_SEQ_WIDTH = 4


@dataclass(frozen=True)
class CaseNumberPattern:
    """A checked case-number pattern, e.g. ``{yyyy}{mm}{dd}-{window}{device}-{seq}``.

    Fields: ``yyyy yy mm dd`` (the intake day), ``device`` (the device's short code),
    ``window`` (the window number, 3 digits), ``seq`` (the running number, 4 digits).
    """

    text: str

    @classmethod
    def parse(cls, text: str) -> CaseNumberPattern:
        text = text.strip()
        if not text:
            raise ValidationError("case_number_pattern", "请填写办件编号规则")
        try:
            fields = [f for _, f, spec, _ in string.Formatter().parse(text) if f is not None]
        except ValueError:
            raise ValidationError(
                "case_number_pattern", "编号规则中的花括号不成对，例如应写 {yyyy}{mm}{dd}-{seq}"
            ) from None
        unknown = [f for f in fields if f not in _FIELDS]
        if unknown:
            raise ValidationError(
                "case_number_pattern",
                f"编号规则中的“{{{unknown[0]}}}”无法识别；可用：{{yyyy}} {{yy}} {{mm}} {{dd}} "
                "{device} {window} {seq}",
            )
        if "seq" not in fields:
            raise ValidationError("case_number_pattern", "编号规则必须包含流水号 {seq}")
        if "device" not in fields and "window" not in fields:
            raise ValidationError(
                "case_number_pattern",
                "编号规则必须包含本机代码 {device} 或窗口号 {window}，离线时编号才不会重复",
            )
        literal = re.sub(r"\{[a-z]+\}", "", text)
        if not re.fullmatch(r"[A-Za-z0-9-]*", literal):
            raise ValidationError(
                "case_number_pattern",
                "编号规则中除占位符外只能用字母、数字和短横线（条码扫描要求）",
            )
        return cls(text)

    def scope(self, day: datetime, device: str, window: str) -> str:
        """The number without its sequence: the sequence counts within this scope."""
        return self._render(day, device, window, "#")

    def render(self, day: datetime, device: str, window: str, seq: int) -> str:
        return self._render(day, device, window, f"{seq:0{_SEQ_WIDTH}d}")

    def _render(self, day: datetime, device: str, window: str, seq: str) -> str:
        return self.text.format(
            yyyy=f"{day.year:04d}",
            yy=f"{day.year % 100:02d}",
            mm=f"{day.month:02d}",
            dd=f"{day.day:02d}",
            device=device.upper(),
            window=f"{int(window):03d}",
            seq=seq,
        )


def device_code(device_id: str) -> str:
    """A short, stable code for the device: the random tail of its UUIDv7 (not the
    time-ordered head, which two devices set up the same minute would share)."""
    tail = device_id.replace("-", "")[-4:]
    return tail.upper()
