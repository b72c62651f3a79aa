"""Rows packed into one compressed value, and read back (issue 32).

What the audit chain's segments and the case, queue and print packs share: a table's
rows as they were held (their column names and values, JSON, a BLOB as ``{"x": hex}``:
nothing needs trusting to read it back, unlike pickle, and hex costs little once
compressed), zlib-compressed, optionally with a preset dictionary of what such rows
look like. A pack is written only after it has been read back and compared with the
rows it replaces.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from counter.log import store as log
from counter.model.errors import StorageError
from counter.store.db import immediate

#: A table's rows as held: {"columns": [...], "rows": [[...], ...]}.
Held = dict[str, Any]


def read(db: Database, table: str, where: str, args: list[Any], order: str) -> Held:
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE {where} ORDER BY {order}", args)
    return {"columns": [d[0] for d in cursor.description], "rows": [list(r) for r in cursor]}


def plain(tables: dict[str, Held]) -> bytes:
    return json.dumps(tables, ensure_ascii=False, separators=(",", ":"), default=_blob).encode()


def _blob(value: object) -> dict[str, str]:
    if isinstance(value, bytes):
        return {"x": value.hex()}
    raise TypeError(f"a row holds {type(value).__name__}, which a pack cannot")


def _unblob(found: dict[str, Any]) -> Any:
    """A row's value is never an object, so one with the key "x" alone is a BLOB."""
    if len(found) == 1 and isinstance(found.get("x"), str):
        return bytes.fromhex(found["x"])
    return found


def compress(text: bytes, zdict: bytes = b"") -> bytes:
    packer = zlib.compressobj(9, zdict=zdict) if zdict else zlib.compressobj(9)
    return packer.compress(text) + packer.flush()


def decompress(blob: bytes, zdict: bytes = b"") -> bytes:
    unpacker = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    return unpacker.decompress(blob) + unpacker.flush()


def pack(tables: dict[str, Held], zdict: bytes = b"") -> bytes:
    """The tables' rows compressed; RuntimeError if they would not read back the same."""
    text = plain(tables)
    blob = compress(text, zdict)
    if decompress(blob, zdict) != text:
        raise RuntimeError("a pack does not read back as the rows it holds")
    return blob


def unpack(blob: bytes, zdict: bytes = b"") -> dict[str, Held]:
    """The tables' rows; ValueError (zlib.error is one) if the blob is not a pack."""
    try:
        tables = json.loads(decompress(blob, zdict), object_hook=_unblob)
    except (zlib.error, UnicodeDecodeError) as exc:  # json's errors are ValueErrors
        raise ValueError(str(exc)) from exc
    if not isinstance(tables, dict) or not all(
        isinstance(t, dict) and isinstance(t.get("rows"), list) for t in tables.values()
    ):
        raise ValueError("not a pack")
    return tables


def dicts(held: Held) -> list[dict[str, Any]]:
    """Each row as column → value."""
    return [dict(zip(held["columns"], row, strict=True)) for row in held["rows"]]


def put_back(db: Database, table: str, held: Held) -> None:
    """Insert held rows into their table again. A column a later schema dropped is left
    out; one it added takes its default."""
    have = {str(r[1]) for r in db.execute(f"PRAGMA table_info([{table}])")}
    names = [c for c in held["columns"] if c in have]
    db.conn.executemany(
        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in names)})"
        f" VALUES ({', '.join('?' * len(names))})",
        [[row[c] for c in names] for row in dicts(held)],
    )


def opened(blob: bytes, what: str, zdict: bytes = b"") -> dict[str, Held]:
    """A stored pack's tables. One that does not read back (a damaged disk, or someone
    past the app) is a storage fault naming ``what``: never read as no rows."""
    try:
        return unpack(blob, zdict)
    except ValueError as exc:
        log.error("%s: its packed rows cannot be read: %s", what, exc)
        raise StorageError(f"{what}: packed rows cannot be read", kind="corrupt") from exc


def day_by_day(
    db: Database,
    next_day: Callable[[], str | None],
    pack_day: Callable[[str], None],
    at_most: int | None,
) -> int:
    """Pack one day per write transaction, the oldest ``next_day`` finds first, until it
    finds none or ``at_most`` days are done (None: all). Returns days packed."""
    done = 0
    while at_most is None or done < at_most:
        with immediate(db):
            day = next_day()
            if day is None:
                break
            pack_day(day)
        done += 1
    return done


def keep_day(db: Database, table: str, day: str, blob: bytes) -> None:
    """Write a day's pack into ``table`` (day, packed), over the one it had."""
    db.execute(
        f"INSERT INTO [{table}] (day, packed) VALUES (?, ?)"
        " ON CONFLICT (day) DO UPDATE SET packed = excluded.packed",
        [day, blob],
    )
