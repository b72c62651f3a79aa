"""Reading printed documents back: text (pypdf), codes (pdfium + zxing), fonts."""

from __future__ import annotations

import io

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


def assert_font_embedded(pdf: bytes) -> None:
    """The bundled TrueType font travels inside the file, as a subset; no CID fonts."""
    found = fonts(pdf)
    wqy = [f for f in found if "WenQuanYi" in str(f["base"])]
    assert wqy, found
    assert all(f["embedded"] and f["subtype"] == "/TrueType" for f in wqy)
    assert all("+" in str(f["base"]) for f in wqy)  # AAAAAA+ names a subset
    assert not [f for f in found if f["subtype"] == "/Type0"]  # no CID fonts
    assert wqy == found  # nothing else (not even an unused Helvetica) is referenced
