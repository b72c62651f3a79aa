"""The fonts every document is drawn in: the bundled face, then a fallback chain for rare
characters, registered with reportlab only when a text needs them.

Only a TrueType font is embedded (as a subset) in the PDF; CID fonts such as
STSong-Light are not, and print as boxes on a machine without them (docs/domain.md).

WenQuanYi Micro Hei covers GBK but not the CJK extensions, and GB 18030-2022 makes
names such as 王䶮 (Ext A) or 𠮷 (Ext B) mandatory: a character it lacks vanished from
the page and the text layer. So each text is cut into runs by the first font of
:data:`CHAIN` that has each character, and every run is drawn in its own font — in
Paragraph markup (:func:`markup`), on the canvas (:func:`draw_string`), in charts
(:func:`strings`) and, by the thermal printer's image lines, with Pillow
(:func:`pillow_runs`). This module is the one place that decides.

The fallback fonts are 22–51 MB each, so they are not bundled: Debian's packages
install them (``scripts/bootstrap.sh``) and :func:`locate` (font_files.py) looks in a
known list of folders. Their character maps are read lazily (fontTools, the cmap table
only), and reportlab loads a face only for a document that uses it: a text in GBK
costs nothing.
docs/fonts.md has the licences and the coverage.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

import counter.assets
from counter.printing.font_files import (
    CHAIN,
    FACES,
    PACKAGES,
    SONG,
    Fallback,
    fallback_paths,
    locate,
    missing,
)

__all__ = [
    "CHAIN",
    "FONT",
    "HEI",
    "PACKAGES",
    "SERIF",
    "Fallback",
    "fallback_paths",
    "locate",
    "missing",
]

FONT = "WenQuanYi"
#: Headings, titles and table heads: WenQuanYi Micro Hei, the bundled 黑体 (GB/T 9704).
HEI = FONT
#: The body of every paper: AR PL UMing, a Song (Ming) face; its chain is
#: UMing → :data:`CHAIN` → WenQuanYi (for the symbols a Song face lacks).
SERIF = SONG.name

_lock = threading.RLock()


@cache
def _fallback_cmap(fallback: Fallback) -> frozenset[int]:
    """The code points a fallback font maps, read from its cmap table alone (0.1 s)."""
    path = locate(fallback)
    if path is None:
        return frozenset()
    from fontTools.ttLib import TTFont as FontFile

    with FontFile(str(path), lazy=True, fontNumber=fallback.index) as font:
        return frozenset(font.getBestCmap())


def _base_cmap(base: str) -> dict[int, int]:
    face: dict[int, int] = pdfmetrics.getFont(register(base)).face.charToGlyph
    return face


def register(name: str = FONT) -> str:
    """Register a font of the chain (idempotent, thread-safe) and return its reportlab name.

    The fonts have no bold face: bold maps to the same face, so ``<b>`` in a Paragraph
    never falls back to Helvetica and drops the Chinese.
    """
    with _lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            _mend_to_unicode()
            fallback = next((f for f in FACES if f.name == name), None)
            path = locate(fallback) if fallback is not None else None
            if name == FONT or (fallback is SONG and path is None):
                # Without the Song face the body is set in the bundled 黑体 (logged).
                font = TTFont(name, str(counter.assets.font_path()), subfontIndex=0)
            elif fallback is None or path is None:
                what = fallback.file if fallback else name
                raise FileNotFoundError(
                    f"缺少字体 {what}（{fallback.package if fallback else ''}）"
                )
            else:
                font = TTFont(name, str(path), subfontIndex=fallback.index)
            pdfmetrics.registerFont(font)
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(name, bold, italic, name)
    return name


_choices: dict[tuple[str, str], str] = {}


def font_for(ch: str, base: str = FONT) -> str:
    """The first font of ``base`` + :data:`CHAIN` (+ the bundled 黑体 after a Song base)
    that has ``ch``; ``base`` if none does (the character then still reaches the text
    layer, drawn as the base's box)."""
    key = (base, ch)
    found = _choices.get(key)
    if found is not None:
        return found
    register(base)
    found = base
    if ord(ch) not in _base_cmap(base):
        for fallback in CHAIN:
            if ord(ch) in _fallback_cmap(fallback):
                found = fallback.name
                break
        else:
            if base != FONT and ord(ch) in _base_cmap(FONT):
                found = FONT
    _choices[key] = found
    return found


def _joins_previous(ch: str) -> bool:
    """Variation selectors (an IVS picks a name's exact glyph), joiners and combining marks
    stay with the character before them, in its font."""
    return unicodedata.category(ch) in ("Mn", "Me", "Cf")


def runs(text: str, base: str = FONT) -> list[tuple[str, str]]:
    """``text`` cut into (font, piece) runs, each piece drawn entirely by its font."""
    out: list[tuple[str, str]] = []
    for ch in text:
        if out and _joins_previous(ch):
            out[-1] = (out[-1][0], out[-1][1] + ch)
            continue
        name = base if ch.isascii() else font_for(ch, base)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def needs_fallback(text: str, base: str = FONT) -> bool:
    return any(name != base for name, _ in runs(text, base))


def markup(text: str, base: str = FONT) -> str:
    """Paragraph markup with every run the base font lacks wrapped in ``<font name=…>``.

    ``text`` is markup already (escaped, perhaps with tags): tags and entities are
    ASCII, which stays in the base font, so a run never cuts one.
    """
    if text.isascii():
        return text
    pieces = []
    for name, piece in runs(text, base):
        if name == base:
            pieces.append(piece)
        else:
            pieces.append(f'<font name="{register(name)}">{piece}</font>')
    return "".join(pieces)


def string_width(text: str, size: float, base: str = FONT) -> float:
    return float(
        sum(pdfmetrics.stringWidth(piece, register(n), size) for n, piece in runs(text, base))
    )


Anchor = Literal["start", "middle", "end"]


def draw_string(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    anchor: Anchor = "start",
    base: str = FONT,
) -> None:
    """``canvas.drawString`` run by run; ``anchor`` as drawCentredString / drawRightString."""
    pieces = runs(text, base)
    width = sum(pdfmetrics.stringWidth(piece, register(n), size) for n, piece in pieces)
    x -= {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    # One text object, so readers extract the line as one line, not a line per run.
    line = canvas.beginText(x, y)
    for name, piece in pieces:
        line.setFont(name, size)
        line.textOut(piece)
    canvas.drawText(line)


def strings(
    x: float, y: float, text: str, size: float, base: str = FONT, **kw: object
) -> list[object]:
    """A chart label as reportlab graphics Strings, one per run (for ``Drawing.add``)."""
    from reportlab.graphics.shapes import String

    out: list[object] = []
    for name, piece in runs(text, base):
        out.append(String(x, y, piece, fontName=register(name), fontSize=size, **kw))
        x += pdfmetrics.stringWidth(piece, name, size)
    return out


def font_file(name: str) -> tuple[Path, int]:
    """The file and face index of a font of the chain, for Pillow."""
    if name == FONT:
        return counter.assets.font_path(), 0
    fallback = next(f for f in FACES if f.name == name)
    path = locate(fallback)
    if path is None:
        if fallback is SONG:
            return counter.assets.font_path(), 0
        raise FileNotFoundError(f"缺少字体 {fallback.file}（{fallback.package}）")
    return path, fallback.index


def pillow_runs(text: str) -> list[tuple[Path, int, str]]:
    """``text`` as (font file, face index, piece) runs for drawing with Pillow."""
    return [(*font_file(name), piece) for name, piece in runs(text)]


def _utf16_hex(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond the BMP as UTF-16 surrogate pairs.

    reportlab writes ``<20BB7>`` for 𠮷, an odd-length hex string a PDF reader rejects:
    the glyph printed, but search, copy and the text layer lost the name.
    """
    cmap = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{_utf16_hex(code)}>" for i, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(cmap)


def _mend_to_unicode() -> None:
    """Put :func:`_to_unicode_cmap` in reportlab's place while reportlab still writes
    supplementary-plane characters as five hex digits (a later fix is left alone)."""
    current = ttfonts.makeToUnicodeCMap
    if current is not _to_unicode_cmap and "<20BB7>" in current("F", [0x20BB7]):
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def coverage(fallbacks: Iterable[Fallback] = CHAIN) -> frozenset[int]:
    """Every code point the present fallback fonts map (for the coverage test and docs)."""
    out: set[int] = set()
    for fallback in fallbacks:
        out |= _fallback_cmap(fallback)
    return frozenset(out)
