"""Reading a partner's transaction file: JSONL (one object a line) or CSV (a header row).

Each record is a dict with the keys ``memberId`` | ``cardNumber`` | ``externalId`` (exactly
one), ``orderId``, ``amount``, ``currency``, ``lines`` (a list of ``{category, amount}``; in
CSV a JSON string), ``occurredAt`` (ISO 8601 with an offset) and ``idempotencyKey``. A record
that cannot be read is yielded as its error message instead.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from exchange.kit.errors import InvalidInput

FORMATS = ("JSONL", "CSV")


@dataclass(frozen=True)
class Record:
    line_no: int
    fields: dict[str, Any] | None
    problem: str | None = None


def format_of(file_name: str | None, given: str | None = None) -> str:
    """The format given, or the one the file name's extension says."""
    if given is not None:
        upper = given.upper()
        if upper not in FORMATS:
            raise InvalidInput("format must be JSONL or CSV", field=["format"])
        return upper
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "JSONL"
    if suffix == ".csv":
        return "CSV"
    raise InvalidInput("give the format, or a file name ending in .jsonl or .csv", field=["format"])


def read_records(text: Iterable[str], format: str) -> Iterator[Record]:
    return _jsonl(text) if format == "JSONL" else _csv(text)


def _jsonl(text: Iterable[str]) -> Iterator[Record]:
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_float=Decimal)
        except ValueError:
            yield Record(line_no, None, "the line is not a JSON object")
            continue
        if isinstance(value, dict):
            yield Record(line_no, value)
        else:
            yield Record(line_no, None, "the line is not a JSON object")


def _csv(text: Iterable[str]) -> Iterator[Record]:
    reader = csv.DictReader(iter(text))
    for row in reader:
        fields: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
        raw_lines = fields.get("lines")
        if raw_lines is not None:
            try:
                fields["lines"] = json.loads(raw_lines, parse_float=Decimal)
            except ValueError:
                yield Record(reader.line_num, fields, "lines is not a JSON list")
                continue
        yield Record(reader.line_num, fields)


def text_of(data: bytes) -> io.StringIO:
    """An uploaded file's lines (UTF-8, a BOM allowed)."""
    return io.StringIO(data.decode("utf-8-sig"), newline="")
