"""The catalogs cover every string of the web app, language negotiation, per-locale formats,
and the dashboard's tier section (shown only when the member has a tier)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from exchange.gateway.webapp import i18n
from exchange.gateway.webapp.visit import ENVIRONMENTS
from exchange.ledger.queries import MemberSummary
from exchange.portal.directory import Listing
from exchange.portal.overview import Overview, TierProgress, Worth, worth_of

WEBAPP = Path(i18n.__file__).parent


PLACEHOLDERS = re.compile(r"%\(([a-z_]+)\)s")


def _extracted() -> list[str | tuple[str, ...]]:
    found = extract_from_dir(
        str(WEBAPP),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return [message for _, _, message, _, _ in found]


def _messages() -> set[str]:
    return {message for message in _extracted() if isinstance(message, str)}


def _plurals() -> set[tuple[str, str]]:
    """(singular, plural) of every message whose words follow a number (``ngettext``)."""
    return {(m[0], m[1]) for m in _extracted() if isinstance(m, tuple) and len(m) >= 2}


@pytest.mark.parametrize("language", ["ru", "ro"])
def test_every_string_has_a_translation_with_the_same_placeholders(language: str) -> None:
    with i18n.catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    messages = _messages()
    assert len(messages) > 100
    for message in messages:
        entry = catalog.get(message)
        assert entry is not None and entry.string, f"{language}: no translation of {message!r}"
        for name in (
            "%(amount)s",
            "%(partner)s",
            "%(points)s",
            "%(minutes)s",
            "%(who)s",
            "%(digits)s",
        ):
            assert (name in message) == (name in entry.string), (language, message)


@pytest.mark.parametrize("language", ["ru", "ro"])
def test_every_plural_has_all_its_forms_with_the_same_placeholders(language: str) -> None:
    with i18n.catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    plurals = _plurals()
    assert len(plurals) >= 7
    for singular, plural in plurals:
        entry = catalog.get(singular)
        assert entry is not None and entry.pluralizable, f"{language}: no plural of {singular!r}"
        assert entry.id == (singular, plural), (language, entry.id)
        forms = entry.string
        assert len(forms) == catalog.num_plurals and all(forms), (language, singular, forms)
        wanted = set(PLACEHOLDERS.findall(plural))
        for form in forms:
            assert set(PLACEHOLDERS.findall(form)) == wanted, (language, form)


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "1 day", 2: "2 days", 5: "5 days", 21: "21 days"}),
        ("ru", {1: "1 день", 2: "2 дня", 5: "5 дней", 21: "21 день", 1000: "1\xa0000 дней"}),
        ("ro", {1: "1 zi", 2: "2 zile", 19: "19 zile", 20: "20 de zile", 1000: "1.000 de zile"}),
    ],
)
def test_words_agree_with_their_number(language: str, counts: dict[int, str]) -> None:
    template = ENVIRONMENTS[language].from_string(
        '{{ ngettext("%(days)s day", "%(days)s days", n, days=f.number(n)) }}'
    )
    formats = i18n.Formats(language)
    for n, said in counts.items():
        assert template.render(n=n, f=formats) == said


def test_languages_are_negotiated() -> None:
    assert i18n.negotiate(None, None) == "en"
    assert i18n.negotiate(None, "ro-MD,ro;q=0.9,en;q=0.8") == "ro"
    assert i18n.negotiate(None, "de-DE, ru;q=0.5, en;q=0.4") == "ru"
    assert i18n.negotiate(None, "fr, de") == "en"
    assert i18n.negotiate("ro", "ru") == "ro"
    assert i18n.negotiate("xx", "ru;q=0, ro;q=0.3") == "ro"


def test_numbers_money_and_dates_per_language() -> None:
    at = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert i18n.Formats("en").money(Decimal("1234.50"), "EUR") == "€1,234.50"
    assert i18n.Formats("ro").money(Decimal("1234.50"), "EUR") == "1.234,50\xa0EUR"
    assert i18n.Formats("ru").number(12345).replace("\xa0", " ") == "12 345"
    assert i18n.Formats("en").points(-250) == "\N{MINUS SIGN}250"
    # what a point pays keeps its decimals: rounding to the cent would say 0.01 for 0.008
    assert i18n.Formats("en").price(Decimal("0.008000"), "EUR") == "€0.008"
    assert i18n.Formats("ro").price(Decimal("0.0125"), "EUR") == "0,0125\xa0EUR"
    assert i18n.Formats("ru").price(Decimal("0.010000"), "EUR") == "0,01\xa0€"
    assert i18n.Formats("ru", "Europe/Chisinau").datetime(at).startswith("23 нояб. 2026")
    assert i18n.Formats("ro").date(at) == "23 nov. 2026"


def _overview(tier: TierProgress | None) -> Overview:
    summary = MemberSummary(
        id=1,
        status="ACTIVE",
        email=None,
        phone=None,
        card_number=None,
        external_id=None,
        balance=1500,
        held=0,
        debt=0,
        pending=0,
        spendable=1500,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    worth = Worth(Decimal("7.50"), Decimal("15.00"), "EUR", "Demo Grocer")
    return Overview(summary=summary, expiring={30: 0, 90: 100}, worth=worth, tier=tier)


def _dashboard(o: Overview) -> str:
    return (
        ENVIRONMENTS["en"]
        .get_template("dashboard.html")
        .render(
            lang="en",
            languages=i18n.LANGUAGES,
            path="/app",
            query="",
            csrf="t",
            signed_in=True,
            f=i18n.Formats("en"),
            reason=str,
            kind_name=str,
            o=o,
            recent=[],
        )
    )


def test_the_tier_section_shows_only_with_a_tier() -> None:
    assert "Your tier" not in _dashboard(_overview(None))
    gold = TierProgress("Silver", Decimal("1.5"), 3000, "Gold", 4000)
    page = _dashboard(_overview(gold))
    assert "Your tier" in page and "3,000 of 4,000 qualifying points to Gold" in page
    assert 'aria-valuenow="3000"' in page and "width: 75.0%" in page
    assert "€7.50 \N{EN DASH} €15.00" in page


def test_worth_is_a_range_rounded_down() -> None:
    def listing(name: str, value: str | None) -> Listing:
        rv = None if value is None else Decimal(value)
        return Listing(1, name, name, Decimal(1), rv, "EUR" if value else None, None)

    worth = worth_of(333, [listing("A", "0.0055"), listing("B", "0.009"), listing("C", None)])
    assert worth == Worth(Decimal("1.83"), Decimal("2.99"), "EUR", "B")
    assert worth_of(333, [listing("C", None)]) is None
