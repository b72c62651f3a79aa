"""The guide desk's alert on a supervisor's status bar (issue 28): a kiosk's slip that did
not print sent its visitor to the guide desk, and the hall's supervisors — at whichever
window — read which number to serve. The kiosk records it (synced as ``missed_tickets``);
each window reads it from its own store, every few seconds while the window is shown,
for the half hour the alert stands (counter.model.print_job.MISSED_TICKET_ALERT)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QLabel, QMainWindow

from counter.log import ui as log
from counter.model.errors import CounterError
from counter.model.staff import Role
from counter.services.print_service import PrintService
from counter.ui.polling import poll_while_shown

#: How often a window reads its store for new alerts (a sync step brings them).
POLL_MS = 5_000
#: Who is told: the duty supervisor runs the guide desk (导办台) and its people.
GUIDE_DESK_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def attach_missed_tickets(
    window: QMainWindow,
    service: PrintService,
    clock: Callable[[], datetime],
    *,
    role: Role = Role.SUPERVISOR,
    interval_ms: int = POLL_MS,
) -> QLabel | None:
    """A red line on ``window``'s status bar while any kiosk's ticket was missed in
    the last half hour, for the guide desk's roles (None for anyone else). Attached
    to a window already on screen (the spool starts after the first paint), it reads
    at once and polls from then on."""
    if role not in GUIDE_DESK_ROLES:
        return None
    line = QLabel()
    line.setObjectName("statusMissedTickets")
    line.setStyleSheet("color: white; background: #b00020; padding: 0 6px; font-weight: bold;")
    line.hide()
    window.statusBar().addPermanentWidget(line)

    def refresh() -> None:
        try:
            text = service.missed_tickets(clock())
        except CounterError:  # the store is busy or full: the next reading tries again
            log.exception("could not read the missed kiosk tickets")
            return
        short = text if len(text) <= 60 else text[:59] + "…"
        line.setText(short)
        line.setToolTip(text)
        line.setVisible(bool(text))

    timer = poll_while_shown(window, interval_ms, refresh)
    if window.isVisible():
        timer.start()
        refresh()
    return line
