"""``exchange campaigns ...``: campaigns and promo codes (list, show, create, update, end),
member segments, and an instant win's draw re-checked. The same rules as the GraphQL
mutations (``partners.campaigns.admin``); a change made here reaches every running process at
its next earn (the generation each earn is checked against)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from exchange.cli import values
from exchange.cli.common import (
    DataDir,
    console,
    database,
    fail,
    friendly_errors,
    run_in_transaction,
    settings_for,
)
from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger.errors import TransactionNotFound
from partners.campaigns import admin, segments, store, verifying
from partners.campaigns.terms import Funder, Kind, Limits, Version
from partners.campaigns.writing import Asked
from partners.versions import in_force

app = typer.Typer(help="Campaigns and promo codes, member segments, draws.", no_args_is_help=True)
CALLER = "cli:campaigns"
ACTOR = "exchange campaigns (CLI)"

Instant = Annotated[
    str | None, typer.Option(help="ISO 8601 with an offset, e.g. 2026-12-01T00:00:00Z.")
]
Many = Annotated[list[str] | None, typer.Option(show_default=False)]
Count = Annotated[int | None, typer.Option(show_default=False)]


def _instant(value: str | None, name: str) -> datetime | None:
    try:
        return values.instant(value)
    except InvalidInput as error:
        raise InvalidInput(f"--{name}: {error.message}") from None


def _chance(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    wins, _, out_of = value.partition("/")
    if not (wins.isdigit() and out_of.isdigit()):
        raise InvalidInput(f"--chance takes WINS/OUT_OF, e.g. 1/4, not {value!r}")
    return int(wins), int(out_of)


def _asked() -> Asked:
    return Asked(CALLER, f"cli-{secrets.token_hex(8)}", ACTOR, {})


def _n(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _what(version: Version) -> str:
    terms = version.terms
    if terms.kind is Kind.MULTIPLIER:
        return f"x{_n(terms.factor)}"
    if terms.kind is Kind.BONUS:
        return f"+{terms.points}"
    assert terms.chance is not None
    return f"{terms.chance.wins} in {terms.chance.out_of}: {terms.points}"


def _window(version: Version) -> str:
    start, end = version.terms.starts_at, version.terms.ends_at
    return f"{start:%Y-%m-%d %H:%M} to " + ("-" if end is None else f"{end:%Y-%m-%d %H:%M}")


def _limits(limits: Limits) -> str:
    said = [
        f"{label} {value:,}"
        for label, value in (
            ("points", limits.points_total),
            ("points/member", limits.points_per_member),
            ("uses", limits.uses_total),
            ("uses/member", limits.uses_per_member),
        )
        if value is not None
    ]
    return ", ".join(said) or "-"


async def _listed(conn: Conn) -> list[tuple[list[Version], dict[int, str], tuple[int, int]]]:
    ids = await store.page(conn, partner_id=None, before=None, limit=1000)
    versions = await store.versions(conn, ids)
    codes = await store.partner_codes(
        conn, sorted({p for v in versions for p in v.terms.targets.partner_ids})
    )
    given = await store.budgets(conn, ids)
    return [([v for v in versions if v.campaign.id == i], codes, given.get(i, (0, 0))) for i in ids]


def _row(versions: list[Version], codes: dict[int, str], given: tuple[int, int]) -> list[str]:
    now = clock.now()
    current = in_force(versions, now) or versions[0]
    terms, campaign = current.terms, current.campaign
    where = ", ".join(sorted(codes.get(p, str(p)) for p in terms.targets.partner_ids)) or "all"
    return [
        campaign.code + ("" if campaign.promo_code is None else f" ({campaign.promo_code})"),
        f"v{current.version} {terms.name}",
        _what(current),
        _window(current),
        where,
        ", ".join(terms.targets.categories) or "all",
        terms.funder.value,
        _limits(terms.limits),
        f"{given[0]:,} / {given[1]:,}",
    ]


@app.command("list")
def list_campaigns(data_dir: DataDir = None) -> None:
    """Every campaign and promo code, newest first, as the version in force now says."""
    settings = settings_for(data_dir)
    with database(settings) as url:
        found = run_in_transaction(url, _listed)
    table = Table(box=box.SIMPLE_HEAD, title="Campaigns")
    for column in (
        "Code (promo)", "Version", "Gives", "Window (UTC)", "Partners", "Categories",
        "Funded by", "Limits", "Given / uses",
    ):  # fmt: skip
        table.add_column(column)
    for versions, codes, given in found:
        table.add_row(*_row(versions, codes, given))
    console.print(table)


def _spec(options: dict[str, Any], currency: str) -> dict[str, Any]:
    """Spec fields (and limits) from the options given (None: not given)."""
    spec: dict[str, Any] = {
        "name": options["name"],
        "multiplier": options["multiplier"],
        "points": options["points"],
        "chance": _chance(options["chance"]),
        "starts_at": _instant(options["starts_at"], "starts-at"),
        "ends_at": _instant(options["ends_at"], "ends-at"),
        "partner_codes": options["partner"],
        "categories": options["category"],
        "tiers": options["tier"],
        "segment_code": options["segment"],
        "minimum_spend": values.amount(options["minimum_spend"], currency),
        "funder": None if options["funded_by"] is None else Funder(options["funded_by"].upper()),
        "control_percent": options["control_percent"],
        "points_total": options["points_total"],
        "points_per_member": options["points_per_member"],
        "uses_total": options["uses_total"],
        "uses_per_member": options["uses_per_member"],
    }
    return {name: value for name, value in spec.items() if value is not None}


@app.command()
def create(
    code: Annotated[str, typer.Argument(help="The campaign's code, e.g. SHOPX2.")],
    name: Annotated[str, typer.Option(help="What members read beside the points.")],
    kind: Annotated[str, typer.Option(help="MULTIPLIER, BONUS or INSTANT_WIN.")],
    starts_at: Instant = None,
    ends_at: Instant = None,
    multiplier: Annotated[str | None, typer.Option(help="MULTIPLIER: e.g. 2.")] = None,
    points: Annotated[int | None, typer.Option(help="BONUS points; INSTANT_WIN prize.")] = None,
    chance: Annotated[str | None, typer.Option(help="INSTANT_WIN: WINS/OUT_OF, e.g. 1/4.")] = None,
    partner: Many = None,
    category: Many = None,
    tier: Many = None,
    segment: Annotated[str | None, typer.Option(show_default=False)] = None,
    minimum_spend: Annotated[str | None, typer.Option(show_default=False)] = None,
    funded_by: Annotated[str, typer.Option(help="PARTNER or OPERATOR.")] = "PARTNER",
    points_total: Count = None,
    points_per_member: Count = None,
    uses_total: Count = None,
    uses_per_member: Count = None,
    control_percent: Annotated[str, typer.Option(help="0 to 50.")] = "0",
    promo_code: Annotated[str | None, typer.Option(help="Make it a promo code.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a campaign (or, with --promo-code, a promo code), running from --starts-at
    (default now); its seed's SHA-256 is printed."""
    settings = settings_for(data_dir)
    with friendly_errors():
        given = _spec(locals(), settings.currency)
        limits = Limits(*(given.pop(name, None) for name in admin.LIMIT_FIELDS))
        given.setdefault("starts_at", clock.now())
        spec = admin.Spec(kind=Kind(kind.upper()), limits=limits, **given)
    with database(settings) as url, friendly_errors():
        added = run_in_transaction(
            url,
            lambda conn: admin.create(
                conn, code, promo_code, spec, asked=_asked(), now=clock.now()
            ),
        )
    console.print(f"Campaign {added.campaign.code} created (version 1).")
    console.print(f"Seed SHA-256: {added.campaign.seed_sha256}")


@app.command()
def update(
    code: Annotated[str, typer.Argument()],
    effective_from: Instant = None,
    name: Annotated[str | None, typer.Option(show_default=False)] = None,
    starts_at: Instant = None,
    ends_at: Instant = None,
    multiplier: Annotated[str | None, typer.Option(show_default=False)] = None,
    points: Count = None,
    chance: Annotated[str | None, typer.Option(show_default=False)] = None,
    partner: Many = None,
    category: Many = None,
    tier: Many = None,
    segment: Annotated[str | None, typer.Option(show_default=False)] = None,
    minimum_spend: Annotated[str | None, typer.Option(show_default=False)] = None,
    funded_by: Annotated[str | None, typer.Option(show_default=False)] = None,
    points_total: Count = None,
    points_per_member: Count = None,
    uses_total: Count = None,
    uses_per_member: Count = None,
    control_percent: Annotated[str | None, typer.Option(show_default=False)] = None,
    data_dir: DataDir = None,
) -> None:
    """Add the campaign's next version: the options given change, the rest stays."""
    settings = settings_for(data_dir)
    with friendly_errors():
        options = locals()
        changes = _spec(options, settings.currency)
        start = _instant(effective_from, "effective-from")
    if not changes:
        fail("say what changes (see --help)")
    with database(settings) as url, friendly_errors():
        added = run_in_transaction(
            url,
            lambda conn: admin.update(
                conn, code, changes, effective_from=start, asked=_asked(), now=clock.now()
            ),
        )
    console.print(f"Campaign {added.campaign.code}: version {added.version} added.")


@app.command()
def end(
    code: Annotated[str, typer.Argument()], at: Instant = None, data_dir: DataDir = None
) -> None:
    """End the campaign now (or --at a later instant), at every till at once."""
    settings = settings_for(data_dir)
    with friendly_errors():
        stop = _instant(at, "at")
    with database(settings) as url, friendly_errors():
        added = run_in_transaction(
            url, lambda conn: admin.end(conn, code, stop, asked=_asked(), now=clock.now())
        )
    console.print(f"Campaign {added.campaign.code} ends at {added.terms.ends_at}.")


@app.command("verify-draw")
def verify_draw(
    transaction_id: Annotated[str, typer.Argument(help="The EARN's id (global or number).")],
    campaign: Annotated[str, typer.Argument(help="The instant-win campaign's code.")],
    data_dir: DataDir = None,
) -> None:
    """Re-check an instant-win draw from the campaign's seed (shown once it has ended)."""
    settings = settings_for(data_dir)
    with friendly_errors():
        entry_id = values.db_id(transaction_id, "Transaction", TransactionNotFound)
    with database(settings) as url, friendly_errors():
        checked = run_in_transaction(
            url, lambda conn: verifying.check(conn, entry_id, campaign, clock.now())
        )
    console.print(
        f"Transaction {checked.transaction_id}, campaign {checked.code}:"
        f" {checked.chance.wins} in {checked.chance.out_of}"
    )
    console.print(
        f"Recorded draw {checked.recorded.value}: {'won' if checked.recorded.won else 'lost'},"
        f" {checked.points} points given"
    )
    console.print(f"Seed SHA-256 {checked.seed_sha256}")
    if checked.seed is None:
        console.print("The seed is shown once the campaign has ended: not yet.")
        return
    again = checked.recomputed
    assert again is not None
    matches = "matches" if checked.seed_matches else "DOES NOT match"
    console.print(f"Seed {checked.seed.hex()} (its SHA-256 {matches})")
    console.print(f"Recomputed draw {again.value}: {'won' if again.won else 'lost'}")
    console.print("Verified." if checked.verified else "NOT verified.")
    if not checked.verified:
        raise typer.Exit(1)


@app.command("segment-create")
def segment_create(
    code: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    member: Annotated[list[int] | None, typer.Option(help="A member id (repeat it).")] = None,
    enrolled_from: Instant = None,
    enrolled_until: Instant = None,
    data_dir: DataDir = None,
) -> None:
    """A list segment (--member ...) or the members enrolled in [--enrolled-from,
    --enrolled-until)."""
    settings = settings_for(data_dir)
    with friendly_errors():
        start, until = (
            _instant(enrolled_from, "enrolled-from"),
            _instant(enrolled_until, "enrolled-until"),
        )
    ranged = start is not None or until is not None

    async def work(conn: Conn) -> int:
        made = await segments.create(
            conn,
            code,
            name,
            enrolled=(start, until) if ranged else None,
            actor=ACTOR,
            now=clock.now(),
        )
        return await segments.add_members(conn, made.code, member, clock.now()) if member else 0

    with database(settings) as url, friendly_errors():
        added = run_in_transaction(url, work)
    console.print(f"Segment {code.strip().upper()} created ({added} members).")


@app.command("segment-add")
def segment_add(
    code: Annotated[str, typer.Argument()],
    members: Annotated[list[int], typer.Argument(help="Member ids.")],
    remove: Annotated[bool, typer.Option(help="Take them out instead.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Add members to a list segment (or --remove them)."""
    settings = settings_for(data_dir)

    async def work(conn: Conn) -> int:
        if remove:
            return await segments.remove_members(conn, code, members)
        return await segments.add_members(conn, code, members, clock.now())

    with database(settings) as url, friendly_errors():
        changed = run_in_transaction(url, work)
    console.print(
        f"Segment {code.strip().upper()}: {changed} members {'removed' if remove else 'added'}."
    )
