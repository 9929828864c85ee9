"""What never reaches a log line or an audit record in full: API keys, member tokens, webhook
secrets, bearer credentials and card numbers. Pure string work, used by the JSON log
formatter and the audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping

_CARD = re.compile(r"\d(?:[ -]?\d){11,}")
"""12 digits or more, possibly grouped by spaces or dashes: a card number (or a phone number,
which is no business of a log either; or digits run together with a URL escape, which is
masked whole). Shorter numbers (amounts, ids, times) stay."""

_KEY = re.compile(r"\b((?:ptk|fin|adm)_[0-9a-f]{8})_[A-Za-z0-9_-]+")
"""An API key: the role prefix and its 8-character id stay (people quote them), the secret
part goes."""

_TOKEN = re.compile(r"\b(mbr_|whsec_)[A-Za-z0-9_+/=-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)(\S+)")
_SUSPECT = re.compile(r"\d(?:[ -]?\d){11}|ptk_|fin_|adm_|mbr_|whsec_|(?i:bearer)")
"""One search that every pattern above needs to find first: most text has nothing to hide."""

SECRET_FIELDS = frozenset(
    {"secret", "password", "token", "apikey", "privatekey", "logincode", "authorization"}
)
"""Input fields whose value is dropped whole (compared without case and underscores)."""

MASKED_FIELDS = frozenset({"cardnumber", "phone", "email"})
"""Input fields shown masked, not dropped: enough to tell records apart."""

REDACTED = "[redacted]"


def mask_digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def _known(text: str) -> str:
    return _TOKEN.sub(r"\1" + REDACTED, _KEY.sub(r"\1_" + REDACTED, text))


def _bearer(match: re.Match[str]) -> str:
    """A bearer credential: a known kind keeps its prefix, anything else goes whole."""
    token = match.group(2)
    known = _known(token)
    return match.group(1) + (known if known != token else REDACTED)


def redact(text: str) -> str:
    """``text`` with every secret cut down to what may be shown."""
    if not _SUSPECT.search(text):
        return text
    text = _known(_BEARER.sub(_bearer, text))
    return _CARD.sub(mask_digits, text)


def _mask(value: str) -> str:
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def _field(name: str) -> str:
    return name.replace("_", "").lower()


def redact_value(value: object, name: str = "") -> object:
    """A JSON-like value (a mutation's input) with secrets dropped and identifiers masked."""
    if isinstance(value, Mapping):
        return {str(key): redact_value(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item, name) for item in value]
    field = _field(name)
    if field in SECRET_FIELDS and value is not None:
        return REDACTED
    if isinstance(value, str):
        return _mask(value) if field in MASKED_FIELDS else redact(value)
    return value
