"""Which settings belong to the hall rather than to one station.

The central publishes these (``counter-central publish-settings``) and every counter
uses the published value over its own file: a hall has one name, one set of working
hours and one queue rule, whatever a station's file says. Station settings (printers,
data folder, window number, the central's address) stay local.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counter.model.errors import ValidationError
from counter.model.settings import Settings

HALL_KEYS = (
    "hall_name",
    "hall_phone",
    "working_hours",
    "holiday_source",
    "mask_id",
    "mask_phone",
    "case_number_pattern",
    "light_yellow_share",
    "queue_interleave",
    "queue_priority_reasons",
    "queue_one_per_person",
    "queue_id_required",
    "queue_reset_daily",
    "queue_requeue_behind",
    "rating_default_days",
    "rating_url",
    "queue_view_url",
    "followup_callback_days",
    "followup_fix_days",
    "enterprise_response_days",
    "enterprise_resolution_months",
    "register_days",
)


def check_hall_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values, or a refusal naming the first key that is not the hall's."""
    for key in values:
        if key not in HALL_KEYS:
            raise ValidationError(key, f"“{key}”是各窗口自己的设置，不能由中心统一发布")
    checked = Settings(dict(values))
    return {key: checked[key] for key in values}


def overlay(settings: Settings, published: Mapping[str, Any]) -> Settings:
    """This station's settings with the hall's published values on top; a published
    value this version cannot read is skipped rather than stopping the counter."""
    result = settings
    for key, value in published.items():
        if key not in HALL_KEYS:
            continue
        try:
            result = result.changed(**{key: value})
        except ValidationError:
            continue
    return result
