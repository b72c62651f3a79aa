"""One piece of work at a time off the GUI thread, on a timer and on demand.

The print spool and the sync agent both open their own store connection on a pool
thread (SQLite connections belong to one thread), do one step, and report back to
the GUI thread by signal. A kick while a step runs asks for one more step after it,
so a burst of changes costs at most one extra step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from counter.log import ui as log


class _Signals(QObject):
    finished = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        result = self.work()
        # Its owner may have been deleted while the work ran: then nobody is told.
        with contextlib.suppress(RuntimeError):
            self.signals.finished.emit(result)


def run_in_pool(
    work: Callable[[], object], done: Callable[[object], None], pool: QThreadPool | None = None
) -> QRunnable:
    """One piece of work on a pool thread, ``done`` called with its result on the GUI
    thread (connect a QObject's method, so the call is queued there). ``work`` must not
    raise. Keep the returned task until ``done`` runs: it owns the signal."""
    task = _Task(work)
    task.signals.finished.connect(done)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


class SingleReading(QObject):
    """One reading at a time on the pool, for a screen that polls (the queue panel, the
    call board): a tick while a reading runs is skipped, and a reading that fails is
    logged and reports None, so the screen keeps what it shows until the next tick.
    A reading asked for ``after_current`` (the one after the user's own action) is not
    skipped but runs as soon as the one under way has reported; the latest such wins."""

    def __init__(self, what: str, parent: QObject) -> None:
        super().__init__(parent)
        self.what = what
        self._task: QRunnable | None = None
        self._done: Callable[[object], None] | None = None
        self._next: tuple[Callable[[], object], Callable[[object], None]] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def start(
        self,
        read: Callable[[], object],
        done: Callable[[object], None],
        *,
        after_current: bool = False,
    ) -> None:
        """``read`` on a pool thread, then ``done`` with its result on the GUI thread."""
        if self._task is not None:
            if after_current:
                self._next = (read, done)
            return
        what = self.what

        def work() -> object:
            try:
                return read()
            except Exception:
                log.exception("%s failed", what)
                return None

        self._done = done
        self._task = run_in_pool(work, self._finished)

    def _finished(self, result: object) -> None:
        done, self._task, self._done = self._done, None, None
        if done is not None:
            done(result)
        if self._next is not None and self._task is None:
            (read, then), self._next = self._next, None
            self.start(read, then)


class BackgroundLoop(QObject):
    """Subclasses say what one step does (:meth:`step`, run on the pool; it must not
    raise) and what to do with its result on the GUI thread (:meth:`report`)."""

    def __init__(
        self,
        *,
        interval_ms: int,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self.busy = False
        self.again = False
        self._task: _Task | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.kick)

    def step(self) -> Callable[[], object]:
        raise NotImplementedError

    def report(self, result: object) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.timer.start()
        self.kick()

    def stop(self) -> None:
        self.timer.stop()
        self.pool.waitForDone()

    def kick(self) -> None:
        """Run now, or once more right after the run in progress."""
        if self.busy:
            self.again = True
            return
        self.busy = True
        task = _Task(self.step())
        task.signals.finished.connect(self._finished)
        self._task = task  # keep its signals object alive until it reports
        self.pool.start(task)

    def _finished(self, result: object) -> None:
        self.busy = False
        self._task = None
        self.report(result)
        if self.again:
            self.again = False
            self.kick()
