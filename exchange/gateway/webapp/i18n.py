"""The web app in English, Russian and Romanian: which language a request gets, the gettext
catalogs (``locales/<lang>/LC_MESSAGES/messages.po``, read with Babel when the app starts:
no compile step), and numbers, money and times written the way each language writes them.

The member's choice (a cookie) wins; otherwise the browser's Accept-Language decides; English
when neither names a language we have."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime as Instant
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LANGUAGES = {"en": "English", "ru": "Русский", "ro": "Română"}
"""Each language in its own name, as the switcher shows it."""
DEFAULT = "en"
LOCALES = Path(__file__).parent / "locales"


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalog (English is the source: no catalog)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The member's choice if it is one of ours, else the best match of Accept-Language."""
    if chosen in LANGUAGES:
        return chosen
    preferred = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            preferred.append((weight, tag.replace("_", "-")))
    ordered = [tag for _, tag in sorted(preferred, key=lambda p: -p[0])]
    found = Locale.negotiate(ordered, list(LANGUAGES), sep="-")
    return str(found) if found is not None else DEFAULT


@dataclass(frozen=True)
class Formats:
    """Numbers, money and times for one language, in the program's time zone."""

    language: str
    zone: str = "UTC"

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.language)

    def points(self, value: int) -> str:
        """A signed change of points: +1,000 or -250 (with a true minus sign, U+2212)."""
        sign = "+" if value > 0 else "\N{MINUS SIGN}" if value < 0 else ""
        return sign + format_decimal(abs(value), locale=self.language)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.language)

    def price(self, amount: Decimal, currency: str) -> str:
        """Money per point, every decimal kept (0.008 EUR stays 0.008, never 0.01)."""
        return format_currency(amount, currency, locale=self.language, decimal_quantization=False)

    def date(self, value: Instant | Day) -> str:
        if isinstance(value, Instant):
            value = value.astimezone(ZoneInfo(self.zone)).date()
        return format_date(value, "medium", locale=self.language)

    def short_date(self, value: Day) -> str:
        return format_date(value, "d MMM", locale=self.language)

    def datetime(self, value: Instant) -> str:
        return format_datetime(value, "medium", tzinfo=ZoneInfo(self.zone), locale=self.language)
