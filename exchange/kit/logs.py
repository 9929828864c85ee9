"""Structured logs: one JSON object a line, every text passed through ``redact``.

``configure`` sets up the root logger (and uvicorn's) for ``exchange serve`` and
``exchange worker``; ``EXCHANGE_LOG_FORMAT=text`` gives plain lines for a terminal."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from exchange.kit.redact import redact

FIELDS = (
    "request_id",
    "method",
    "path",
    "operation",
    "principal",
    "key_id",
    "status",
    "latency_ms",
)
"""The ``extra`` fields a record may carry (the request log's); others are not written."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Plain text lines, redacted the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(fmt: str = "json", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the root logger and uvicorn's loggers."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"()": RedactingFormatter, "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(fmt: str = "json", level: str = "INFO") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(fmt, level))
