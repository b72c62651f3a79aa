"""The central's web side (线上一网, issue 31): HTML for phones and the hall's screens,
beside the device API in the same process, outside its OpenAPI schema.

Each group of pages lives in a module of its own and is mounted here on one shared
:class:`~counter.central.web_pages.Pages`:

- ``/progress`` 办件进度查询 (:mod:`counter.central.web_progress`);
- ``/staff/...`` the hall's staff sign-in (:mod:`counter.central.web_staff`);
- ``/rate/<token>`` 扫码评价, the hand-over receipt's QR (:mod:`counter.central.web_rating`);
- ``/book`` 网上预约 (:mod:`counter.central.web_booking`), and the supervisor's
  ``/staff/appointments`` and ``/staff/notices`` (:mod:`counter.central.web_hall_admin`);
- ``/queue/<token>`` 扫码看排队, the kiosk slip's QR (:mod:`counter.central.web_queue_view`);
- ``/hall`` 电子监察, the hall's live dashboard (:mod:`counter.central.web_dashboard`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI

from counter.central.engine import Engine
from counter.central.web_booking import add_booking_routes
from counter.central.web_dashboard import add_dashboard_routes
from counter.central.web_hall_admin import add_hall_admin_routes
from counter.central.web_pages import (
    CSRF_COOKIE,
    WEB_RATE,
    Limiter,
    Pages,
    mount_static,
    refuse_large_forms,
)
from counter.central.web_progress import add_progress_routes
from counter.central.web_queue_view import add_queue_view_routes
from counter.central.web_rating import add_rating_routes
from counter.central.web_staff import add_staff_routes

__all__ = ["CSRF_COOKIE", "WEB_RATE", "add_web_routes"]


def add_web_routes(
    app: FastAPI,
    engine: Engine,
    in_thread: Callable[..., Awaitable[Any]],
    now_ms: Callable[[], int],
    limiter: Limiter,
    *,
    https: bool = True,
) -> Pages:
    """Mount the web pages. ``limiter`` is the per-address budget of every public
    form; ``https`` marks cookies Secure (off only for a plain-HTTP lab)."""
    pages = Pages(engine, in_thread, now_ms, limiter, https=https)
    mount_static(app)
    refuse_large_forms(app, pages)
    add_progress_routes(app, pages)
    add_staff_routes(app, pages)
    add_rating_routes(app, pages)
    add_dashboard_routes(app, pages)
    add_booking_routes(app, pages)
    add_hall_admin_routes(app, pages)
    add_queue_view_routes(app, pages)
    return pages
