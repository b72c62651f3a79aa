"""``counter-central serve --workers 2``: the supervisor keeps its serving processes and
the one copying queue events running, and they do not outlive it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
from sync_support import Central

from tests.waiting import soon


def serving_processes(central: Central) -> set[int]:
    return children_named(central, "central-serve")


def copying_processes(central: Central) -> set[int]:
    return children_named(central, "central-copy")


def children_named(central: Central, name: str) -> set[int]:
    """The supervisor's living children that ``ps`` shows by this name."""
    assert central.process is not None
    pid = central.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children if alive(int(c)) and comm(int(c)) == name}


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""


def alive(pid: int) -> bool:
    """Running, neither gone nor a zombie left for a parent that does not reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_serving_process_that_dies_is_started_again(two_process_central: Central) -> None:
    central = two_process_central
    assert soon(lambda: len(serving_processes(central)) == 2)
    first = serving_processes(central)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    assert soon(lambda: len(serving_processes(central) - first) == 1)
    assert victim not in serving_processes(central)
    assert httpx.get(f"{central.url}/v1/health", timeout=5).status_code == 200


def test_the_copying_process_that_dies_is_started_again(two_process_central: Central) -> None:
    central = two_process_central
    assert soon(lambda: len(copying_processes(central)) == 1)
    (victim,) = copying_processes(central)
    os.kill(victim, signal.SIGKILL)
    assert soon(lambda: len(copying_processes(central) - {victim}) == 1)


def test_its_processes_end_when_the_supervisor_is_killed(two_process_central: Central) -> None:
    central = two_process_central
    assert soon(lambda: len(serving_processes(central)) == 2 and copying_processes(central))
    children = serving_processes(central) | copying_processes(central)
    central.kill()
    assert soon(lambda: not any(alive(pid) for pid in children))
