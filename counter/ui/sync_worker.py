"""Runs the sync agent off the GUI thread: a timer starts one step at a time on the pool.

Each step opens its own store connection (SQLite connections belong to one thread),
pushes and pulls through :func:`counter.services.sync_service.sync_step`, and reports the
result and the status-bar figures by signal. A counter that has never been enrolled
with a central does nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QThreadPool, Signal

from counter.ui.background import BackgroundLoop

if TYPE_CHECKING:  # the sync client (httpx, the protocol's models) loads on the pool
    from counter.services.sync_service import StepResult, SyncStatus


class SyncAgent(BackgroundLoop):
    """Steps every ``interval_ms`` and whenever :meth:`kick` is called (after a write)."""

    stepped = Signal(object, object)  # StepResult | None, SyncStatus | None
    state_changed = Signal(str, bool)  # status-bar text, online

    def __init__(
        self,
        store_path: Path,
        clock: Callable[[], datetime],
        *,
        interval_ms: int = 5000,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(interval_ms=interval_ms, pool=pool, parent=parent)
        self.store_path = store_path
        self.clock = clock

    def step(self) -> Callable[[], object]:
        return self._step

    def _step(self) -> object:
        """On the pool: the first step imports the sync client there, off the GUI thread."""
        from counter.services.sync_service import sync_step

        return sync_step(self.store_path, self.clock)

    def report(self, result: object) -> None:
        step, status = cast("tuple[StepResult | None, SyncStatus | None]", result)
        self.stepped.emit(step, status)
        self.state_changed.emit(*self.describe(step, status))

    def describe(self, result: StepResult | None, status: SyncStatus | None) -> tuple[str, bool]:
        if status is None:
            return self.tr("同步：无法读取本机数据"), False
        waiting = self.tr("待上传 %n 条", "", status.pending)
        last = status.last_success_at[11:19] if status.last_success_at else self.tr("从未")
        if result is None:
            return self.tr("同步：本机未登记到中心") + f" · {waiting}", False
        if not result.online:
            return self.tr("离线") + f" · {waiting} · " + self.tr("上次同步 ") + last, False
        if result.error:
            return self.tr("同步受阻：") + result.error + f" · {waiting}", False
        refused = self.tr(" · 被拒 %n 条", "", status.refused) if status.refused else ""
        if status.pull_failures:  # listed on the sync page; the pull went on past them
            refused += self.tr(" · 中心数据无法应用 %n 条", "", status.pull_failures)
        if status.conflicts:  # the hall's, listed on the sync page for a supervisor
            refused += self.tr(" · 同步冲突 %n 条", "", status.conflicts)
        from counter.services.sync_service import describe_skew  # loaded by the step

        skew = describe_skew(status.clock_offset_ms)
        if skew:  # the counter keeps working; the clock should be put right
            refused += f" · {skew}"
        return self.tr("在线") + f" · {waiting}{refused} · " + self.tr("上次同步 ") + last, True
