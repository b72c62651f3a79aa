"""Drives the spool from the desktop: a timer starts a worker on the thread pool.

This only hosts the thread: the step itself, :func:`counter.services.print_spool.run_store`,
opens its own store connection, prints what is due and says what went wrong; its result
comes back by signal, so the GUI thread never waits on a printer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QThreadPool, Signal

from counter.model.settings import Settings
from counter.services.print_spool import StepResult, run_store
from counter.ui.background import BackgroundLoop


class PrintSpool(BackgroundLoop):
    """Runs the spool every ``interval_ms`` and whenever :meth:`kick` is called."""

    printed = Signal(object)  # list[StepResult] of one run
    state_changed = Signal(str, bool)  # status-bar text, printers fine

    def __init__(
        self,
        store_path: Path,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        *,
        interval_ms: int = 3000,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(interval_ms=interval_ms, pool=pool, parent=parent)
        self.store_path = store_path
        self.settings = settings
        self.clock = clock

    def step(self) -> Callable[[], object]:
        settings = self.settings()  # read on the GUI thread, where settings change
        return lambda: run_store(self.store_path, settings, self.clock)

    def report(self, result: object) -> None:
        results, trouble = cast("tuple[list[StepResult], str]", result)
        self.printed.emit(results)
        self.state_changed.emit(trouble or self.tr("打印机正常"), not trouble)
