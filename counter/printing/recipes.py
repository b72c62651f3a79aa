"""What a print job's bytes were made from, kept as text so they can be made again.

A job keeps its PDF and ESC/POS bytes only until it is printed plus the retention
setting (issue 32: a kiosk's year of ticket PDFs was 19 GB of the store). Beside them
it keeps its *recipe*: the document's own record (the ticket slip, the notice with its
materials, the handover form …) and the options it was laid out with (paper width,
masking), as JSON. A reprint after the bytes are gone lays the same record out again
(:func:`counter.printing.payloads.regenerate`): the same document as the one printed,
not the case as it stands today. A recipe is a few hundred bytes to a few kilobytes,
a PDF tens of kilobytes.

The codec is generic over the frozen dataclasses of :mod:`counter.model` that documents
are made from (str, int, float, bool, date, datetime, enums, tuples, optionals and
nested dataclasses), read back by their type hints; a recipe names its document kind
and a version, so a later Counter can still read an older one or say it cannot.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any

#: Bumped when a recipe's layout changes incompatibly; older ones are refused by name.
VERSION = 1


class RecipeError(ValueError):
    """A recipe this Counter cannot read (damaged, or from an incompatible version)."""


def encode(value: Any) -> Any:
    """A document record as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    return value


def decode(kind: Any, data: Any) -> Any:
    """``data`` read back as ``kind`` (a type hint)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if data is None:
            return None
        return decode(options[0], data)
    if origin is tuple:
        args = typing.get_args(kind)
        inner = args[0] if args else Any
        return tuple(decode(inner, v) for v in data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        given = {
            f.name: decode(hints[f.name], data[f.name])
            for f in dataclasses.fields(kind)
            if f.init and f.name in data
        }
        return kind(**given)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is float and isinstance(data, int):
        return float(data)
    return data


def write(document: str, record: Any, **options: Any) -> str:
    """The recipe of ``record`` laid out as ``document`` with ``options``."""
    body = {"v": VERSION, "document": document, "record": encode(record)}
    body.update({key: encode(value) for key, value in options.items()})
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def read(recipe: str) -> tuple[str, dict[str, Any]]:
    """(document kind, the recipe's fields); :class:`RecipeError` when unreadable."""
    try:
        body = json.loads(recipe)
    except ValueError:
        raise RecipeError("打印记录已损坏，无法重新生成") from None
    if not isinstance(body, dict) or body.get("v") != VERSION or "document" not in body:
        raise RecipeError("打印记录来自不兼容的版本，无法重新生成")
    return str(body["document"]), body
