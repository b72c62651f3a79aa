"""Where the fallback fonts for rare characters are on this machine: no reportlab here,
so the screens (counter/ui/fonts.py) find them without loading the PDF machinery.

The fonts are 22–51 MB each, so they are not bundled: Debian's packages install them
(``scripts/bootstrap.sh``); docs/fonts.md has the licences and the coverage.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import counter.assets

log = logging.getLogger("counter.printing")


@dataclass(frozen=True)
class Fallback:
    """One font of the chain: where to find it and which Debian package installs it."""

    name: str  # as reportlab knows it
    family: str  # as Qt and fontconfig name it
    file: str
    package: str
    folder: str  # where the Debian package puts it
    index: int = 0  # the face in a TrueType collection (.ttc)


#: Tried in this order for a character the bundled font lacks. BabelStone Han first: it
#: follows the Chinese (G-source) glyph forms and has URO, most of Ext A and part of
#: Ext B–H; Hanazono's two halves then fill Ext A–F almost completely.
CHAIN: tuple[Fallback, ...] = (
    Fallback(
        "BabelStoneHan",
        "BabelStone Han",
        "BabelStoneHan.ttf",
        "fonts-babelstone-han",
        "/usr/share/fonts/truetype/babelstone",
    ),
    Fallback(
        "HanaMinA",
        "HanaMinA",
        "HanaMinA.ttf",
        "fonts-hanazono",
        "/usr/share/fonts/truetype/hanazono",
    ),
    Fallback(
        "HanaMinB",
        "HanaMinB",
        "HanaMinB.ttf",
        "fonts-hanazono",
        "/usr/share/fonts/truetype/hanazono",
    ),
)

#: The Song (Ming) face the body of every paper is set in (GB/T 9704 sets an official
#: document's text in a Song-style serif, its headings in 黑体): AR PL UMing, face 0 is
#: the CN cut with the mainland's glyph forms. TrueType outlines (reportlab refuses CFF),
#: Arphic Public License (free to use, embed and redistribute; docs/fonts.md); it has all
#: of GB 2312 and ≈ 90 % of GBK's hanzi, and what it lacks runs on to the chain above.
SONG = Fallback(
    "UMing",
    "AR PL UMing CN",
    "uming.ttc",
    "fonts-arphic-uming",
    "/usr/share/fonts/truetype/arphic",
)

#: Every face this module finds, the Song face last (the rare-character fonts come first
#: in the install hint because a name without them is lost, a Song body only plainer).
FACES: tuple[Fallback, ...] = (*CHAIN, SONG)

PACKAGES = tuple(dict.fromkeys(f.package for f in FACES))


def search_folders() -> list[Path]:
    """Where a fallback font may be, in order: ``COUNTER_FONT_DIRS`` (os.pathsep-separated),
    the bundled fonts, the Debian packages' folders, then the usual per-machine and
    per-user font folders of Linux and Windows (a Windows hall installs them by hand)."""
    folders = [Path(p) for p in os.environ.get("COUNTER_FONT_DIRS", "").split(os.pathsep) if p]
    folders.append(counter.assets.font_path().parent)
    folders += [Path(f.folder) for f in FACES]
    folders += [Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts"]
    for variable, tail in (("WINDIR", "Fonts"), ("LOCALAPPDATA", "Microsoft/Windows/Fonts")):
        if os.environ.get(variable):
            folders.append(Path(os.environ[variable]) / tail)
    return list(dict.fromkeys(folders))


@cache
def locate(fallback: Fallback) -> Path | None:
    """The font file on this machine, or None (logged once, in Chinese, for the hall's IT)."""
    for folder in search_folders():
        candidate = folder / fallback.file
        if candidate.is_file():
            return candidate
    log.error(
        "缺少%s %s（Debian 软件包 %s）：%s。请运行 sudo apt-get install -y %s，或把字体文件放入 %s",
        "宋体字体" if fallback is SONG else "生僻字字体",
        fallback.file,
        fallback.package,
        "通知书正文将改用黑体" if fallback is SONG else "姓名、地名中的生僻字将无法打印",
        " ".join(PACKAGES),
        fallback.folder,
    )
    return None


def fallback_paths() -> list[Path]:
    """The chain's font files that are present, in chain order (for Qt and Pillow)."""
    return [path for f in CHAIN if (path := locate(f)) is not None]


def missing() -> list[Fallback]:
    return [f for f in FACES if locate(f) is None]
