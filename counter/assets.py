"""One way to reach the files that ship with Counter, installed or run from a checkout."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

FONT_FILE = "wqy-microhei.ttc"
FONT_FAMILY = "WenQuanYi Micro Hei"
DEMO_CATALOG = "demo_catalog.toml"


def resource(*parts: str) -> Traversable:
    """A file under ``resources/`` as a Traversable (works from a wheel or a checkout)."""
    node: Traversable = resources.files("counter.resources")
    for part in parts:
        node = node / part
    return node


def font_path() -> Path:
    """The bundled CJK font on disk: Qt, reportlab and Pillow all want a real path."""
    return Path(str(resource("fonts", FONT_FILE)))


def demo_catalog_text() -> str:
    return resource("catalog", DEMO_CATALOG).read_text(encoding="utf-8")
