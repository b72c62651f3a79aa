"""The bundled TrueType CJK font, registered with reportlab once per process.

Only a TrueType font is embedded (as a subset) in the PDF; CID fonts such as
STSong-Light are not, and print as boxes on a machine without them (docs/domain.md).
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

import counter.assets

FONT = "WenQuanYi"

_lock = threading.Lock()


def register() -> str:
    """Register the font (idempotent, thread-safe) and return its reportlab name.

    The collection has no bold face: bold maps to the same face, so ``<b>`` in a
    Paragraph never falls back to Helvetica and drops the Chinese.
    """
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(counter.assets.font_path()), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT, bold, italic, FONT)
    return FONT
