from __future__ import annotations

from counter.model.figures import CaseMaterialCounts, material_figures


def test_figures_average_asked_and_naive_per_case() -> None:
    figures = material_figures([CaseMaterialCounts(5, 9, 1), CaseMaterialCounts(3, 7, 3)])
    assert figures.cases == 2
    assert figures.asked_per_case == 4.0
    assert figures.naive_per_case == 8.0
    assert figures.exempt_share == 4 / 12
    assert "每件需提交材料 4.0 项" in figures.text()


def test_no_cases_give_zero_figures() -> None:
    figures = material_figures([])
    assert figures.cases == 0 and figures.text() == "尚无受理办件"
