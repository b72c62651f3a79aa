"""Opening the queue a screen uses: the central's when this store is enrolled with a
central, this store's own otherwise.

The central's client (counter.services.central_queue: pydantic and the wire protocol,
a tenth of a second and more to import) is imported only for a store that is enrolled,
so a counter that works alone, its kiosk and its board start without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from counter.model.settings import Settings
from counter.services.queue_service import LocalQueue, Queue, queue_rules
from counter.store import hall_settings, sync_state
from counter.store.db import connect

if TYPE_CHECKING:
    from counter.services.central_queue import CentralQueue

#: Opens a queue on a store connection of its own (queue_for_reading), for a screen
#: that reads on a pool thread; closed when the reading is done.
OpenReader = Callable[[], contextlib.AbstractContextManager[Queue]]


def open_queue(
    db: Database, settings: Settings, *, reading: bool = False
) -> CentralQueue | LocalQueue:
    """The queue the kiosk, the window panel and the board use: the central's when this
    store is enrolled with a central, this store's own otherwise. The rules are the
    hall's published ones where the central has published them. A queue opened for
    ``reading`` leaves handing over offline tickets to the one that acts."""
    rules = queue_rules(hall_settings.effective(db, settings))
    url, token, _ = sync_state.central_link(db)
    if url and token:
        from counter.services.central_queue import CentralQueue

        central = CentralQueue.for_store(db, rules, hands_over=not reading)
        if central is not None:
            return central
    return LocalQueue(db, rules)


@contextlib.contextmanager
def queue_for_reading(store_path: Path, settings: Settings) -> Iterator[Queue]:
    """A queue on a store connection of its own, for reading on another thread (SQLite
    connections belong to the thread that opened them); closed after."""
    db = connect(store_path)
    try:
        queue = open_queue(db, settings, reading=True)
        try:
            yield queue
        finally:
            if not isinstance(queue, LocalQueue):  # the central's: its HTTP connection
                queue.close()
    finally:
        db.close()
