"""What the hall has published on this central (``counter-central publish-settings``,
the supervisor's notices), read back as a counter reads it: the defaults with the
published values on top (:func:`counter.model.hall_settings.overlay`, which skips a
value this version cannot read)."""

from __future__ import annotations

import json

from counter.central.engine import Engine
from counter.model.hall_settings import overlay
from counter.model.settings import Settings


def published_settings(engine: Engine) -> Settings:
    rows = engine.query(
        "SELECT row_id, payload FROM rows WHERE table_name = 'hall_settings' AND kind <> 'delete'"
    )
    return overlay(Settings(), {key: json.loads(text).get("value") for key, text in rows})
