"""A morning of a hall's real faults, through a real central on both engines: one PC's
clock ten minutes slow, another's an hour fast and then put right, answers dropped
after the central committed, windows working offline on the same cases. At the end
the hall has converged and no change is lost without a trace: each is applied, merged
beside another, or on the 同步冲突 list (issue 25, "Done when").

Everything asserted is a count of what happened (faults planned and met, ops, conflicts),
never what fits in a time window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sync_support import (
    Central,
    check_converged,
    client_for,
    seeded_counter,
    services,
    take_case,
)

from counter.model.cases import Action, CaseState
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import outbox
from counter.sync.client import SyncClient, read_status, transport_for
from counter.sync.transport import FaultyTransport


def _clock(offset: list[timedelta]) -> Callable[[], datetime]:
    """A PC's clock, off by whatever ``offset`` holds now (so it can be put right)."""
    return lambda: datetime.now().astimezone() + offset[0]


def test_a_morning_of_skewed_clocks_dropped_answers_and_offline_edits_converges(
    central: Central, tmp_path: Path, seeded_template: Path
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    b = seeded_counter(seeded_template, tmp_path / "b.db", central, window="5")
    c = seeded_counter(seeded_template, tmp_path / "c.db", central, window="7")
    skew = {"a": [timedelta(0)], "b": [timedelta(minutes=-10)], "c": [timedelta(hours=1)]}
    clocks = {name: _clock(off) for name, off in skew.items()}
    stores = {"a": a, "b": b, "c": c}
    faulty: dict[str, FaultyTransport] = {}
    for name, db in stores.items():
        inner = transport_for(db, timeout=30.0)
        assert inner is not None
        faulty[name] = FaultyTransport(inner)
    clients: dict[str, SyncClient] = {
        name: client_for(db, central, faulty[name], clock=clocks[name])
        for name, db in stores.items()
    }

    def sync_round(drops: int) -> None:
        """Each counter pushes and pulls; the first ``drops`` answers it gets are lost
        after the central acted on them."""
        for name in ("a", "b", "c"):
            faulty[name].extend(["drop_response"] * drops)
            for _ in range(4):  # until an attempt gets through the planned drops
                if clients[name].step().online:
                    break

    now = clocks["a"]()
    numbers = [take_case(a, "3", now) for _ in range(3)]
    sync_round(drops=1)
    sync_round(drops=0)
    ids = [services(b)[1].by_number(n).id for n in numbers]  # type: ignore[union-attr]

    # Offline, all three: window 3 approves case 1 and starts case 2; window 5 (ten
    # minutes slow) terminates case 1 and starts case 3; window 7 (an hour fast) has
    # its supervisor extend case 2's deadline, a field nobody else touched.
    _, cases_a = services(a)
    clerk_a = sign_in(a, "lina", DEMO_PASSWORD, "3", clocks["a"]())
    cases_a.act(clerk_a, ids[0], Action.START, clocks["a"]())
    cases_a.act(clerk_a, ids[0], Action.APPROVE, clocks["a"]())
    cases_a.act(clerk_a, ids[1], Action.START, clocks["a"]())
    _, cases_b = services(b)
    clerk_b = sign_in(b, "lina", DEMO_PASSWORD, "5", clocks["b"]())
    cases_b.act(clerk_b, ids[0], Action.TERMINATE, clocks["b"](), reason="申请人撤回申请")
    cases_b.act(clerk_b, ids[2], Action.START, clocks["b"]())
    _, cases_c = services(c)
    boss_c = sign_in(c, "zhangwei", DEMO_PASSWORD, "7", clocks["c"]())
    cases_c.act(boss_c, ids[1], Action.EXTEND, clocks["c"](), reason="需现场核查，延长办理期限")

    sync_round(drops=1)
    skew["c"][0] = timedelta(0)  # IT puts window 7's clock right
    cases_c.act(boss_c, ids[2], Action.PAUSE, clocks["c"](), reason="等待专家评审")
    sync_round(drops=1)
    sync_round(drops=0)
    sync_round(drops=0)

    # Converged: every window holds every case as the central keeps it.
    check_converged(central, [a, b, c])
    # Nothing lost or doubled: each device's ops reached the central once each, none
    # waits and none was refused (the hour-fast clock included).
    for name, db in stores.items():
        status = read_status(db)
        assert (status.pending, status.refused, status.pull_failures) == (0, 0, 0), name
        device = outbox.device_id(db)
        seqs = [r[0] for r in central.engine.query(
            "SELECT seq FROM ops WHERE device_id = ? ORDER BY seq", [device])]  # fmt: skip
        assert seqs == list(range(1, len(seqs) + 1)), name
        assert (
            central.engine.scalar(
                "SELECT count(*) FROM ops WHERE device_id = ? AND state <> 'applied'", [device]
            )
            == 0
        )
    # Every planned drop was met: the central acted and the answer was lost.
    dropped = sum(1 for t in faulty.values() for line in t.log if line.startswith("drop_response"))
    assert dropped == 3 * 3
    # Case 1: the first decision stands everywhere, the other is listed at every window.
    for db in stores.values():
        got = services(db)[1]
        assert got.get(ids[0]).state is CaseState.APPROVED
        listed = {x.row_id: x for x in SyncService(db).conflicts()}
        assert {x.field: (x.kept, x.lost) for x in listed.pop(ids[0]).clashes}["state"] == (
            CaseState.APPROVED.value,
            CaseState.TERMINATED.value,
        )
        # Both case 2 changes moved its deadline (the start, and the extension): that
        # one field is listed for the supervisor, the newer (extended) date kept.
        deadline = {x.field for c in listed.values() for x in c.clashes}
        assert set(listed) <= {ids[1]} and deadline <= {"legal_due", "promised_due"}
        # Case 2: window 3's start and window 7's extension merged side by side.
        second = got.get(ids[1])
        assert second.state is CaseState.PROCESSING and second.extension_days > 0
        # Case 3: started at window 5, paused at window 7 after its clock was fixed.
        assert got.get(ids[2]).state is CaseState.PAUSED
    # The slow clock is told; the corrected one no longer is.
    assert SyncService(b).clock_note() == "本机时钟比中心慢 10 分钟"
    assert SyncService(c).clock_note() == ""
