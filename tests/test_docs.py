"""What README.md promises stays true as the code moves."""

from __future__ import annotations

from pathlib import Path

from counter.model.settings import SETTINGS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    missing = [s.key for s in SETTINGS if f"| `{s.key}` |" not in README]
    assert missing == []
