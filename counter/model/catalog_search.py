"""Finding an item or bundle the way clerks type: by name, by code, or by pinyin initials.

Clerks type ``qykb`` for 企业开办 far faster than the characters; the initials and the
full pinyin of a name are worked out once, the first time a search needs them. pypinyin
(0.2 s to import, its phrase dictionary) is imported then too, not when Counter starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from counter.model.catalog import Bundle, Catalog, Item


def pinyin_initials(text: str) -> str:
    """``企业开办`` → ``qykb``; non-Chinese characters are kept as they are, lower-cased."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()


def pinyin_full(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, errors="default")).lower()


@dataclass(frozen=True)
class CatalogEntry:
    """An item or a bundle, as one row of search results."""

    target: Item | Bundle

    @cached_property
    def initials(self) -> str:
        return pinyin_initials(self.target.name)

    @cached_property
    def spelled(self) -> str:
        return pinyin_full(self.target.name)

    @property
    def code(self) -> str:
        return self.target.code

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def is_bundle(self) -> bool:
        return isinstance(self.target, Bundle)


class CatalogIndex:
    """Ranked search over one catalog version."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        targets: list[Item | Bundle] = [*catalog.bundles, *catalog.items]
        self.entries = tuple(CatalogEntry(t) for t in targets)

    def search(self, query: str, *, include_retired: bool = False) -> list[CatalogEntry]:
        """Best matches first: exact code, code prefix, name, initials, then full pinyin.

        An empty query lists everything (bundles first), which is what a browser shows.
        """
        needle = query.strip().lower()
        ranked: list[tuple[int, int, CatalogEntry]] = []
        for position, entry in enumerate(self.entries):
            if not include_retired and isinstance(entry.target, Item) and not entry.target.active:
                continue
            rank = _rank(entry, needle)
            if rank is not None:
                ranked.append((rank, position, entry))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [entry for _, _, entry in ranked]


def _rank(entry: CatalogEntry, needle: str) -> int | None:
    if not needle:
        return 0
    code = entry.code.lower()
    name = entry.name.lower()
    compact = needle.replace(" ", "")
    if code == needle:
        return 0
    if code.startswith(needle):
        return 1
    if name.startswith(needle):
        return 2
    if needle in name:
        return 3
    if entry.initials.startswith(compact):
        return 4
    if compact in entry.initials:
        return 5
    if entry.spelled.startswith(compact):
        return 6
    if compact in entry.spelled or needle in code:
        return 7
    return None
