"""``exchange rewards list|add|retire``: partners' reward catalogues, as ``rewards``,
``createReward`` and ``retireReward`` have them (the same catalogue in ``partners.rewards``),
run by the operator for a named partner."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli.common import (
    DataDir,
    console,
    database,
    friendly_errors,
    run_in_transaction,
    settings_for,
)
from exchange.cli.values import IdempotencyKey, db_id, instant, key_or_new
from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.ledger.queries import MAX_PAGE
from partners import registry
from partners.rewards import catalogue
from partners.rewards.checks import Reward
from partners.rewards.errors import RewardNotFound

CLI_CALLER = "cli:rewards"

app = typer.Typer(help="Partners' reward catalogues: list, add, retire.", no_args_is_help=True)
PartnerCode = Annotated[str, typer.Option("--partner", help="The partner's code (e.g. FUEL).")]


def _table(rewards: list[Reward], codes: dict[int, str], *, title: str) -> None:
    table = Table(box=box.SIMPLE_HEAD, title=title)
    for column in ("Id", "Partner", "Name", "Points", "From", "Until", "Stock", "Status"):
        table.add_column(column)
    now = clock.now()
    for reward in rewards:
        status = (
            reward.status
            if reward.available(now) or reward.status != "ACTIVE"
            else "ACTIVE (not offered now)"
        )
        table.add_row(
            str(reward.id),
            codes.get(reward.partner_id, "?"),
            reward.name,
            f"{reward.points:,}",
            reward.active_from.isoformat(),
            "-" if reward.active_until is None else reward.active_until.isoformat(),
            "no limit" if reward.stock is None else f"{reward.stock:,}",
            status,
        )
    console.print(table)


async def _codes(conn: Conn) -> dict[int, str]:
    return {partner.id: partner.code for partner in await registry.list_partners(conn)}


@app.command("list")
def list_rewards(
    partner: Annotated[
        str | None, typer.Option("--partner", help="Only this partner's.", show_default=False)
    ] = None,
    offered: Annotated[
        bool, typer.Option("--offered", help="Only those redeemable now (active, in their window).")
    ] = False,
    first: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="How many.")] = 50,
    after: Annotated[
        int | None, typer.Option(help="After this reward id (the next page).", show_default=False)
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Rewards in the order they were added, retired ones too unless --offered."""

    async def read(conn: Conn) -> tuple[list[Reward], bool, dict[int, str]]:
        partner_id = None
        if partner is not None:
            partner_id = (await registry.get_partner(conn, code=partner.strip().upper())).id
        found, more = await catalogue.page(
            conn,
            partner_id=partner_id,
            offered_only=offered,
            at=clock.now(),
            after_id=after,
            first=first,
        )
        return found, more, await _codes(conn)

    with database(settings_for(data_dir)) as url, friendly_errors():
        found, more, codes = run_in_transaction(url, read)
    _table(found, codes, title="Rewards")
    if more:
        console.print(f"More: --after {found[-1].id}")


@app.command()
def add(
    partner: PartnerCode,
    name: Annotated[str, typer.Option(help='1 to 200 characters, e.g. "20 litres of fuel".')],
    points: Annotated[int, typer.Option(help="Its price in points.")],
    description: Annotated[str | None, typer.Option(show_default=False)] = None,
    active_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First offered at (ISO 8601 with offset; default now).",
            show_default=False,
        ),
    ] = None,
    active_until: Annotated[
        str | None,
        typer.Option(
            "--until", help="No longer offered from (default: until retired).", show_default=False
        ),
    ] = None,
    stock: Annotated[
        int | None, typer.Option(help="Units on offer (default: no limit).", show_default=False)
    ] = None,
    idempotency_key: IdempotencyKey = None,
    data_dir: DataDir = None,
) -> None:
    """Add a reward to the partner's catalogue, as createReward does."""
    now = clock.now()
    with friendly_errors():
        given_from = instant(active_from)
        new = catalogue.NewReward.checked(
            name=name,
            description=description,
            points=points,
            active_from=now if given_from is None else given_from,
            active_until=instant(active_until),
            stock=stock,
        )

    async def create(conn: Conn) -> Reward:
        found = await registry.get_partner(conn, code=partner.strip().upper())
        return await catalogue.create(
            conn,
            new,
            partner_id=found.id,
            caller=CLI_CALLER,
            key=key_or_new(idempotency_key),
            request=new.request(given_from),
            now=now,
        )

    with database(settings_for(data_dir)) as url, friendly_errors():
        created = run_in_transaction(url, create)
    console.print(f"Reward {created.id} added to {partner.strip().upper()}'s catalogue.")
    _table([created], {created.partner_id: partner.strip().upper()}, title="Reward")


@app.command()
def retire(
    reward: Annotated[str, typer.Argument(help="The reward's id (a number, or its GraphQL id).")],
    partner: PartnerCode,
    data_dir: DataDir = None,
) -> None:
    """Offer the reward no more, as retireReward does (refunds of earlier redemptions still
    give their unit back); retiring it again changes nothing."""

    async def work(conn: Conn) -> Reward:
        found = await registry.get_partner(conn, code=partner.strip().upper())
        reward_id = db_id(reward.strip(), "Reward", RewardNotFound)
        return await catalogue.retire(conn, reward_id, partner_id=found.id, now=clock.now())

    with database(settings_for(data_dir)) as url, friendly_errors():
        retired = run_in_transaction(url, work)
    console.print(f"Reward {retired.id} of {partner.strip().upper()} is {retired.status}.")
