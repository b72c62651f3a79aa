"""Run ``counter-central`` for tests, with the test-only shared table registered."""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the repository root, for the tests' own helpers (tests.hall).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from counter.central.cli import main
from counter.sync.tables import register
from tests.hall import allow_probe

register("sync_probe")
allow_probe()

if __name__ == "__main__":
    main(sys.argv[1:])
