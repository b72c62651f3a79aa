"""What README.md promises stays true as the code moves."""

from __future__ import annotations

from pathlib import Path

from counter.model.settings import SETTINGS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    missing = [s.key for s in SETTINGS if f"| `{s.key}` |" not in README]
    assert missing == []


def test_every_synced_table_s_merge_rule_is_written_in_the_architecture_doc() -> None:
    """docs/architecture.md says how each table merges; the central's RULES decide it."""
    from counter.central.authority import RULES

    doc = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text("utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    written: dict[str, str] = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in cells[0].replace("`", "").split(","):
            written[name.strip()] = cells[1]
    for table, rule in RULES.items():
        if table == "sync_probe":  # the sync tests' own table (tests/hall.py)
            continue
        expected = (
            rule.merge.value if rule.merge else ("append-only" if rule.append_only else "whole row")
        )
        assert written.get(table) == expected, table
