"""What a request body may be: at most 1 MiB, and text PostgreSQL can store."""

from __future__ import annotations

import re

from cross_web import HTTPException
from starlette.requests import Request
from starlette.types import Message

MAX_BODY_BYTES = 1024 * 1024
_NUL_ESCAPE = re.compile(r"\\u(?:0000|\{0+\})")


def check_text(value: str) -> None:
    """PostgreSQL stores neither NUL characters nor unpaired surrogates: refuse them here."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise HTTPException(400, "text may not contain unpaired surrogates") from None
    if "\x00" in value or _NUL_ESCAPE.search(value):
        raise HTTPException(400, "text may not contain NUL characters")


def check_strings(data: object) -> None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


async def read_limited(request: Request, limit: int) -> Request:
    """The request with its body read, refused with 413 beyond ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise HTTPException(
            413 if length.isdigit() else 400, f"the request body may be at most {limit} bytes"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the request body may be at most {limit} bytes")

    async def receive() -> Message:
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return Request(request.scope, receive)
