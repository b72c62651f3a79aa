"""The call as the voice says it: the board's wording (:func:`counter.model.queue.call_text`)
with the ticket number read digit by digit.

A hall reads a ticket as its characters, 请A零零一号, the way it is printed on the
slip; a speech engine left alone reads A001 as "A 一" and B012 as "B 十二", which a
person holding B012 does not recognise. The window number stays a number (3号窗口,
12号窗口), as staff say it. Kept apart from the wording, so the screen and the voice
never disagree on what the call is, only on how its digits sound.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
#: A ticket number: its letters and digits, right before 号到 (请A001号到3号窗口办理).
_TICKET = re.compile(r"(?<![0-9A-Za-z])([A-Za-z]*)([0-9]+)(?=号到)")


def spoken(text: str) -> str:
    """``text`` with each ticket number's digits spelled (请A001号… → 请A零零一号…)."""
    return _TICKET.sub(lambda m: m.group(1) + "".join(DIGITS[int(d)] for d in m.group(2)), text)
