"""Run ``counter-central`` for tests, with the test-only shared table registered."""

from __future__ import annotations

import sys

from counter.central.cli import main
from counter.sync.tables import register

register("sync_probe")

if __name__ == "__main__":
    main(sys.argv[1:])
