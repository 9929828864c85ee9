"""Driving the web app in-process (httpx over ASGI): forms with their CSRF token, the login
code read from the development sender's log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CODE = re.compile(r"login code for member \d+ \([a-z]+ [^)]+\): (\d{6})")
CARD_CODE = re.compile(r"card link code \(card \.\.\.(\d{4})\) for member \d+ \([^)]+\): (\d{6})")


class CodeLog(logging.Handler):
    """Keeps the codes the development sender writes to the log: login codes, and codes to
    link a card (with the card's last four digits)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.codes: list[str] = []
        self.card_codes: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if found := CODE.search(record.getMessage()):
            self.codes.append(found.group(1))
        elif found := CARD_CODE.search(record.getMessage()):
            self.card_codes.append((found.group(1), found.group(2)))


@dataclass
class WebClient:
    client: httpx.AsyncClient
    codes: CodeLog
    last_page: str = field(default="")

    async def get(self, path: str, **kwargs: object) -> httpx.Response:
        response = await self.client.get(path, **kwargs)  # type: ignore[arg-type]
        self.last_page = response.text
        return response

    def csrf(self) -> str:
        found = CSRF.search(self.last_page)
        assert found, "no form on the last page"
        return found.group(1)

    async def post(
        self, path: str, data: dict[str, str], *, csrf: str | None = None
    ) -> httpx.Response:
        response = await self.client.post(
            path, data={"csrf": csrf if csrf is not None else self.csrf(), **data}
        )
        self.last_page = response.text
        return response

    async def log_in(self, identifier: str) -> None:
        await self.get("/app/login")
        asked = await self.post("/app/login", {"identifier": identifier})
        assert asked.status_code == 303, asked.text
        await self.get("/app/login/code")
        entered = await self.post("/app/login/code", {"code": self.codes.codes[-1]})
        assert entered.status_code == 303 and entered.headers["location"] == "/app", entered.text


Web = Callable[[], WebClient]
"""``web()``: a new browser-like client, with cookies of its own."""
