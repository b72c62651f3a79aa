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
    """Each device's chain as that device pushed it: grouped by the device whose token
    sent the op, never by the device an entry names (a forged entry naming another
    device would otherwise join, or break, that device's chain), and only entries the
    central accepted (an entry naming another device is refused: see forged_entries).
    Entries a counter brought from before its enrolment (kind "import",
    counter.central.history) are among them by table and state, in sequence order:
    they are the start of its chain and are verified with the rest."""
    rows = engine.query(
        "SELECT device_id, payload FROM ops WHERE table_name = 'audit_log'"
        " AND state = 'applied' ORDER BY device_id, seq"
    )
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for device, payload in rows:
        chains[str(device)].append(json.loads(payload))
    return [verify_chain(device, entries) for device, entries in sorted(chains.items())]


def refused_entries(engine: Engine) -> list[tuple[str, str, str]]:
    """Audit entries the central refused: (sending device, entry id, reason), the
    record of each attempt to forge or rewrite a chain."""
    rows = engine.query(
        "SELECT device_id, row_id, reason FROM ops WHERE table_name = 'audit_log'"
        " AND state = 'refused' ORDER BY received_at"
    )
    return [(str(r[0]), str(r[1]), str(r[2] or "")) for r in rows]
