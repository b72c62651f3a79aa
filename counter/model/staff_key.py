"""A staff member's signing key: the central's proof that she was at the counter.

A counter's store can be edited by whoever holds the PC (a clerk can write
``role='supervisor'`` into her own copy of the staff table), so a hall-wide change
(holidays, queue categories) cannot be trusted for naming a supervisor. It must carry
something only the supervisor could have made: a signature by a key derived from her
password as she signs in. The key lives in memory for the session and is never
written; the central holds only its public half (``sign_key`` in its staff record),
made when the central set the password, and checks the signature with it.

The derivation is argon2id, as strong as the password hash itself: a stolen store
gives an attacker the public key to guess passwords against, which is no more than
the password hash already gave.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# argon2-cffi's defaults for password hashes (RFC 9106's second recommendation).
_TIME_COST = 3
_MEMORY_KIB = 65536
_PARALLELISM = 4


@dataclass(frozen=True)
class StaffKey:
    """The private half, for one signed-in session; ``repr`` never shows it."""

    staff_id: str
    _private: Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def public(self) -> str:
        return public_text(self._private.public_key())

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")


def derive_key(staff_id: str, password: str) -> StaffKey:
    """The same key from the same staff id and password, on any machine."""
    seed = hash_secret_raw(
        password.encode("utf-8"),
        f"counter-staff-key:{staff_id}".encode(),
        time_cost=_TIME_COST,
        memory_cost=_MEMORY_KIB,
        parallelism=_PARALLELISM,
        hash_len=32,
        type=Type.ID,
    )
    return StaffKey(staff_id, Ed25519PrivateKey.from_private_bytes(seed))


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes_raw()  # not .public_bytes(): its serialization module is 0.05 s
    return base64.b64encode(raw).decode("ascii")


def verify(public: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` over ``message`` was made by the key whose public half is
    ``public``; any malformed input is simply not a proof."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public, validate=True))
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def op_message(
    device_id: str,
    seq: int,
    table: str,
    row_id: str,
    kind: str,
    payload: dict[str, Any],
    hlc: str,
    actor: str,
) -> bytes:
    """What a proof signs: the op and the device it was made on, so neither another
    device nor another op can reuse it."""
    body = {
        "device_id": device_id,
        "seq": seq,
        "table": table,
        "row_id": row_id,
        "kind": kind,
        "payload": payload,
        "hlc": hlc,
        "actor": actor,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
