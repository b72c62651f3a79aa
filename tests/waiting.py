"""Waiting for what another thread or process does in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable


def soon(condition: Callable[[], bool], seconds: float = 20.0, every: float = 0.1) -> bool:
    """Whether ``condition`` came true within ``seconds``: a test asserts on it rather
    than sleeping a guess, which is too short on a loaded machine and too long on an idle
    one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
