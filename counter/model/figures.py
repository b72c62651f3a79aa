"""The figures the hall reports about materials: asked per case against the naive sum of
the items' own lists, and the share the hall fetched from shared data itself.

docs/domain.md: "materials asked per case fell from 8.9 to 5.1" — this is that figure,
computed from the counter's own cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseMaterialCounts:
    """Per intake: materials asked of the applicant, the items' lists summed, exempted."""

    asked: int
    naive: int
    exempt: int


@dataclass(frozen=True)
class MaterialFigures:
    cases: int
    asked_per_case: float
    naive_per_case: float
    exempt_share: float  # of the merged lines, how many the hall fetched itself

    def text(self) -> str:
        if not self.cases:
            return "尚无受理办件"
        return (
            f"{self.cases} 件：每件需提交材料 {self.asked_per_case:.1f} 项"
            f"（各事项清单简单相加 {self.naive_per_case:.1f} 项），"
            f"共享数据免提交占 {self.exempt_share:.0%}"
        )


@dataclass(frozen=True)
class MaterialTotals:
    """The per-intake counts summed over the intakes: what the figures are made of,
    kept as sums by the store so a year's cases are not read to show them."""

    cases: int
    asked: int
    naive: int
    exempt: int


def figures_of_totals(totals: MaterialTotals) -> MaterialFigures:
    if not totals.cases:
        return MaterialFigures(0, 0.0, 0.0, 0.0)
    merged = totals.asked + totals.exempt
    return MaterialFigures(
        cases=totals.cases,
        asked_per_case=totals.asked / totals.cases,
        naive_per_case=totals.naive / totals.cases,
        exempt_share=totals.exempt / merged if merged else 0.0,
    )


def material_figures(counts: Iterable[CaseMaterialCounts]) -> MaterialFigures:
    rows = list(counts)
    return figures_of_totals(
        MaterialTotals(
            cases=len(rows),
            asked=sum(r.asked for r in rows),
            naive=sum(r.naive for r in rows),
            exempt=sum(r.exempt for r in rows),
        )
    )
