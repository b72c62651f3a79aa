"""The threads that do the central's database work, off the event loop.

A pool of its own rather than AnyIO's (which FastAPI's ``run_in_threadpool`` uses):
without AnyIO's capacity limiter, cancel scopes and context lookups, a hand-over to a
thread and back costs 45 µs of CPU instead of 85 µs, measured twenty at a time; with
twenty windows calling at once the hand-overs were a tenth of the central's
interpreter time. The pool is small on purpose: twenty requests
in forty threads spend their time passing the interpreter lock to each other; the
rest wait on the event loop, which costs nothing. At exit the interpreter waits for
the transactions under way.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: How many requests do their database work at once.
WORKER_THREADS = 4


class DatabaseThreads:
    def __init__(self, count: int = WORKER_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max(1, count), thread_name_prefix="central-db")

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in one of the threads; the event loop serves others meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(func, *args))
