"""Hall settings as pulled from the central (see counter.model.hall_settings)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from counter.model.hall_settings import overlay
from counter.model.settings import Settings


def published(db: Database) -> dict[str, Any]:
    rows = db.execute("SELECT key, value FROM hall_settings ORDER BY key").fetchall()
    return {key: json.loads(value) for key, value in rows}


def effective(db: Database, settings: Settings) -> Settings:
    """The station's settings with the central's published hall settings on top."""
    return overlay(settings, published(db))
