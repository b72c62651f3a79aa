"""A password checked off the GUI thread, for the sign-in dialog and the screen lock.

Checking a password is argon2 hashing: 0.1–0.16 s on the hall's PCs, twice that when a
signing key is derived as well. On the GUI thread that froze the dialog between 登录
and the main window (issue 32). The store's part of a try stays on the GUI thread (its
SQLite connection belongs to it): the service reads the try and writes what came of it
(:func:`counter.services.session.start_password_check` and ``finish_…``); only
:meth:`~counter.services.session.PasswordCheck.verify`, which touches neither store nor
widget, runs here, on a thread of its own so that no sync step or queue reading waiting
for the network holds it up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool
from PySide6.QtWidgets import QPushButton

from counter.ui.background import run_in_pool

if TYPE_CHECKING:
    from counter.services.session import PasswordCheck

_pool: QThreadPool | None = None


def password_pool() -> QThreadPool:
    """One thread for password checks, owned by the application (so it is waited for,
    at most one check, when the application goes)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(1)
    return _pool


class PasswordVerifier(QObject):
    """One check at a time: :meth:`verify` runs the hashing on the pool and calls
    ``done`` with the check on the GUI thread; while it runs, ``busy`` is true."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._task: QRunnable | None = None
        self._done: Callable[[PasswordCheck], None] | None = None
        self._check: PasswordCheck | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def verify(self, check: PasswordCheck, done: Callable[[PasswordCheck], None]) -> bool:
        """False (and nothing done) while another check runs."""
        if self._task is not None:
            return False
        self._done, self._check = done, check
        self._task = run_in_pool(lambda: _verified(check), self._finished, password_pool())
        return True

    def _finished(self, _result: object) -> None:
        done, check = self._done, self._check
        self._task = self._done = self._check = None
        if done is not None and check is not None:
            # A check that failed on the pool left ``matched`` unset: the service then
            # checks again on this thread, and its error reaches the safety net here.
            done(check)


def _verified(check: PasswordCheck) -> object:
    """Never None: a None sent through a queued ``Signal(object)`` from a pool thread
    has crashed the interpreter (PySide6 6.x, "none_dealloc")."""
    try:
        check.verify()
    except Exception as exc:  # reported on the GUI thread, where it is raised again
        return exc
    return True


def wait_on(button: QPushButton, others: list[QPushButton], text: str) -> None:
    """While a password is checked: the button says so and nothing can be pressed."""
    button.setText(text)
    for each in [button, *others]:
        each.setEnabled(False)


def done_waiting(button: QPushButton, others: list[QPushButton], text: str) -> None:
    """The check answered: the button says ``text`` again and all can be pressed."""
    button.setText(text)
    for each in [button, *others]:
        each.setEnabled(True)
