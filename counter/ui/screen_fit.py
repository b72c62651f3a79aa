"""Windows that fit the screen they open on: a 1366×768 laptop at 100 %, or a 1920×1080
screen at 150 % (1280×720 logical pixels), with the taskbar taken off.

A window is sized to what it asks for, never more than the screen's available area less
the frame the window manager draws around it (title bar and borders, unknown until the
window is shown, so allowed for), and centred in that area. Content that needs more
room than that scrolls inside the window (the settings dialog, the main window's
pages); buttons and the status bar stay outside the scrolling, always in view.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: A 1366×768 laptop's available area, above a 40-pixel taskbar: what `counter
#: --screenshot` renders the main window for.
SMALL_SCREEN = QRect(0, 0, 1366, 768 - 40)

#: Title bar and borders around a window's client area (Windows 10 at 100 %: a 31 px
#: title bar; KDE and GNOME are alike), allowed for before the frame is known.
FRAME = QMargins(8, 32, 8, 8)


def available_area(widget: QWidget | None = None) -> QRect:
    """The available geometry (without taskbars) of the screen ``widget`` is on, or of the
    primary screen."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def room(area: QRect) -> QRect:
    """Where a window's client area may go in ``area``: the area less the frame."""
    return area.marginsRemoved(FRAME)


def fit_to_screen(
    window: QWidget, preferred: QSize | None = None, area: QRect | None = None
) -> QRect:
    """Size ``window`` to ``preferred`` (its size hint by default) but no larger than
    ``area`` (its screen's available geometry by default) less the frame, centre it
    there, and return the geometry set.

    A window whose layout needs more than that room still grows to its minimum size when
    shown: such content belongs in a scroll area (tests/ui/test_fits_the_screen.py).
    """
    space = room(area if area is not None else available_area(window))
    wanted = preferred if preferred is not None else window.sizeHint()
    size = wanted.boundedTo(space.size())
    rect = QRect(space.topLeft(), size)
    rect.moveCenter(space.center())
    window.setGeometry(rect)
    return rect
