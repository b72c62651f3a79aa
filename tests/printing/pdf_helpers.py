"""Reading printed documents back: text (pypdf), codes (pdfium + zxing), fonts."""

from __future__ import annotations

import io
import itertools

import pypdf
import pypdfium2 as pdfium
import zxingcpp


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


def codes(pdf: bytes, page: int = 0, dpi: int = 300) -> dict[str, set[str]]:
    """Every barcode zxing finds on the rendered page, by format name."""
    image = pdfium.PdfDocument(pdf)[page].render(scale=dpi / 72).to_pil()
    found: dict[str, set[str]] = {}
    for result in zxingcpp.read_barcodes(image):
        found.setdefault(str(result.format).split(".")[-1].replace(" ", ""), set()).add(result.text)
    return found


def fonts(pdf: bytes) -> list[dict[str, object]]:
    out = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            out.append(
                {
                    "base": str(font["/BaseFont"]),
                    "subtype": str(font["/Subtype"]),
                    "embedded": descriptor is not None and "/FontFile2" in descriptor.get_object(),
                }
            )
    return out


#: The faces a document may use: the bundled 黑体 and the Song body face (issue 29).
OURS = ("WenQuanYi", "UMing")


def assert_font_embedded(pdf: bytes) -> None:
    """The bundled TrueType font (and the Song body face) travel inside the file, as
    subsets; no CID fonts."""
    found = fonts(pdf)
    ours = [f for f in found if any(name in str(f["base"]) for name in OURS)]
    assert ours, found
    assert all(f["embedded"] and f["subtype"] == "/TrueType" for f in ours)
    assert all("+" in str(f["base"]) for f in ours)  # AAAAAA+ names a subset
    assert not [f for f in found if f["subtype"] == "/Type0"]  # no CID fonts
    assert ours == found  # nothing else (not even an unused Helvetica) is referenced


def lines(pdf: bytes) -> list[list[str]]:
    """Each page's printed lines, read from the text layer with positions (pdfium).

    Characters on one baseline make a row; a row is cut where the gap to the next
    character is wider than two of its em (table cells side by side, fields set apart),
    so each piece is one line of one paragraph or cell as the reader sees it.
    """
    out = []
    for page in pdfium.PdfDocument(pdf):
        textpage = page.get_textpage()
        chars = []
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if not ch.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            chars.append((round(bottom, 0), left, right, top - bottom, ch))
        rows: dict[float, list[tuple[float, float, float, str]]] = {}
        for bottom, left, right, size, ch in chars:
            key = next((k for k in rows if abs(k - bottom) <= 1.5), bottom)
            rows.setdefault(key, []).append((left, right, size, ch))
        found = []
        for key in sorted(rows, reverse=True):
            row = sorted(rows[key])
            piece = row[0][3]
            for (_l, prev_right, size, _c), (left, _r, _s, ch) in itertools.pairwise(row):
                if left - prev_right > 2 * size:
                    found.append(piece)
                    piece = ""
                piece += ch
            found.append(piece)
        out.append(found)
    return out
