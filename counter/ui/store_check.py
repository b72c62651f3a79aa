"""The store's weekly integrity check, while the clerk works (issue 32).

Start-up no longer reads the whole store (``PRAGMA quick_check`` grows with a hall's
history: 1.5 s for a year's); it runs after an unclean end, before a backup, and once
a week here: on a pool thread a little after the window is painted, on connections of
its own (:func:`counter.services.bootstrap.check_if_due`). Damage found is said at once,
in a dialog and the log; the store records it, so the next start refuses the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from counter.log import ui as log
from counter.model.errors import CounterError
from counter.services.bootstrap import check_if_due
from counter.ui.background import run_in_pool
from counter.ui.product import PRODUCT_NAME

#: After the first paint and the first page's data, not competing with them.
DELAY_MS = 20_000


class StoreCheck(QObject):
    """Runs :func:`check_if_due` once, ``delay_ms`` after :meth:`start`."""

    def __init__(
        self,
        store_path: Path,
        clock: Callable[[], datetime],
        parent: QWidget,
        *,
        delay_ms: int = DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self.store_path, self.clock, self.delay_ms = store_path, clock, delay_ms
        self.result: object = None  # True (sound), False (not due) or the error
        self._task: QRunnable | None = None

    def start(self) -> None:
        QTimer.singleShot(self.delay_ms, self, self.run)

    def run(self) -> None:
        self._task = run_in_pool(self._check, self._report)

    def _check(self) -> object:
        try:
            return check_if_due(self.store_path, self.clock())
        except CounterError as exc:
            return exc
        except Exception as exc:  # never silent: the log, and the dialog below
            log.exception("integrity check of %s failed", self.store_path)
            return exc

    def _report(self, result: object) -> None:
        self._task = None
        self.result = result
        if isinstance(result, Exception):
            message = str(getattr(result, "message", "") or result)
            parent = self.parent()
            QMessageBox.critical(
                parent if isinstance(parent, QWidget) else None,
                f"{PRODUCT_NAME} 数据文件检查",
                message,
            )
