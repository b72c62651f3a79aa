"""The central's check of every device's audit chain, from the ops it has received.

Ops arrive in each device's sequence order, so the central holds a prefix of each
chain; :func:`counter.model.audit.verify_chain` checks it and names the first break.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from counter.central.engine import Engine
from counter.model.audit import ChainReport, verify_chain


def verify_devices(engine: Engine) -> list[ChainReport]:
    rows = engine.query("SELECT payload FROM ops WHERE table_name = 'audit_log'")
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (payload,) in rows:
        entry = json.loads(payload)
        chains[str(entry.get("device_id", "?"))].append(entry)
    return [verify_chain(device, entries) for device, entries in sorted(chains.items())]
