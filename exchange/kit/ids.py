"""Opaque global ids (``node(id:)``): base64url of ``Type:number``, never parsed by callers."""

from __future__ import annotations

import base64
import binascii

from exchange.kit.errors import NotFound

MAX_DB_ID = 2**63 - 1


def to_global_id(type_name: str, db_id: int) -> str:
    raw = f"{type_name}:{db_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, int]:
    """Decode a global id; anything malformed is simply an object that does not exist."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, number = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        db_id = int(number)
    except (binascii.Error, UnicodeError, ValueError):
        raise NotFound("no object with this id") from None
    if not type_name or db_id <= 0 or db_id > MAX_DB_ID:
        raise NotFound("no object with this id")
    return type_name, db_id


def expect_global_id(global_id: str, type_name: str, *, error: type[NotFound] = NotFound) -> int:
    try:
        found_type, db_id = from_global_id(global_id)
    except NotFound:
        raise error(f"no {type_name.lower()} with this id") from None
    if found_type != type_name:
        raise error(f"no {type_name.lower()} with this id")
    return db_id
