"""The hall's public notices (issue 31, point 6): its working hours as the public reads
them and its closures (a date range and a text), edited by a supervisor on
``/staff/notices`` (:mod:`counter.central.web_hall_admin`).

They are kept as one published hall setting, :data:`~counter.model.booking.NOTICES_KEY`:
``hall_settings`` already travels to every counter and every kiosk
(:mod:`counter.central.disclosure`), no device may push it (``counter.sync.tables``),
and a counter keeps any key it is sent, where ``published_settings`` reads it; a counter
version that does not know the key passes over it (:func:`counter.model.hall_settings.overlay`).
The closures close booking on their days (:mod:`counter.central.web_booking`).

Pages show them through ``notices_include.html``: ``/book`` hands them over itself; any
other page's template (``/progress``) calls the ``hall_notices()`` global, which reads
the one row by its key at most every :data:`NOTICE_SECONDS` per process, so a busy
page costs no query per answer.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from counter.central.engine import Engine
from counter.central.web_pages import Pages
from counter.model.booking import NOTICES_KEY, Closure, Notices
from counter.model.clock import iso

#: How long a process reuses the notices it read for pages that do not read them.
NOTICE_SECONDS = 60.0


def read_notices(engine: Engine) -> Notices:
    held = engine.scalar(
        "SELECT payload FROM rows WHERE table_name = 'hall_settings' AND row_id = ?"
        " AND kind <> 'delete'",
        [NOTICES_KEY],
    )
    return Notices.from_value(json.loads(held).get("value")) if held else Notices()


def publish_notices(engine: Engine, notices: Notices, now: datetime, now_ms: int) -> None:
    """Write the notices for every counter to pull, as ``publish-settings`` writes a
    hall setting."""
    payload = {"value": notices.to_value(), "updated_at": iso(now)}
    engine.publish("hall_settings", NOTICES_KEY, payload, now_ms)


@dataclass(frozen=True)
class PublicNotices:
    """What a page shows: the hours text and the closures not yet over."""

    hours: str
    closures: tuple[Closure, ...]

    def __bool__(self) -> bool:
        return bool(self.hours or self.closures)


def public_notices(notices: Notices, today: date) -> PublicNotices:
    return PublicNotices(notices.hours, notices.current(today))


class _NoticeCache:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self._at = -NOTICE_SECONDS
        self._held = Notices()
        self._lock = threading.Lock()

    def __call__(self) -> PublicNotices:
        with self._lock:
            now = time.monotonic()
            if now - self._at >= NOTICE_SECONDS:
                self._held = read_notices(self.pages.engine)
                self._at = now
            return public_notices(self._held, self.pages.today())

    def forget(self) -> None:
        with self._lock:
            self._at = -NOTICE_SECONDS


def use_notices(pages: Pages) -> None:
    """Give every template the ``hall_notices()`` global (once per :class:`Pages`)."""
    if "hall_notices" not in pages.templates.globals:
        pages.templates.globals["hall_notices"] = _NoticeCache(pages)


def notices_changed(pages: Pages) -> None:
    """This process shows a supervisor's change at once (others within a minute)."""
    cache = pages.templates.globals.get("hall_notices")
    if isinstance(cache, _NoticeCache):
        cache.forget()
