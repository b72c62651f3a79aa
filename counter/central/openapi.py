"""What every endpoint of the central declares in its OpenAPI schema, in one place.

Schemathesis checks the central against its own schema, so an answer the schema does
not promise (a status, a body shape) counts as a failure just as a 500 does.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from counter.sync.protocol import ErrorBody

# Cursors and sequences are 64-bit in both engines; a bigger number in a query used
# to reach the database and fail there with a 500 (found by schemathesis).
MAX_INT64 = 2**63 - 1

#: Every endpoint that needs a device token can answer these.
AUTH_STATUSES = (401, 403, 429)
#: Every endpoint that reads a JSON body can answer these.
BODY_STATUSES = (400, 413, 422)


def error_responses(
    *statuses: int, bodies: dict[int, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the given statuses, each answered with :class:`ErrorBody`
    unless ``bodies`` names another model (or a union of models) for it."""
    found: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in statuses}
    for status, model in (bodies or {}).items():
        found[status] = {"model": model}
    return found


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined: a ``#/$defs/…`` reference
    inside an OpenAPI document points at the document's root, where nothing is (a
    dangling reference found by schemathesis)."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD``: pydantic would also read ``0`` as a day (seconds since
    1970), which the schema's ``format: date`` does not admit (found by schemathesis)."""
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        raise ValueError("日期应写作 YYYY-MM-DD")
    return value


#: A query parameter holding a calendar day.
Day = Annotated[date, BeforeValidator(_iso_day)]
