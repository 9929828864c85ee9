"""``exchange keys``: a created key authenticates; a revoked one no longer does."""

from __future__ import annotations

from datetime import UTC, datetime

from cli_support import one_line_error, only_key

from exchange.kit.db import transaction
from partners.keys import authenticate


async def owner_of(pool, secret):
    async with transaction(pool) as conn:
        return await authenticate(conn, secret, now=datetime.now(UTC))


async def test_admin_key_is_printed_once_and_authenticates(cli, pool):
    result = await cli("keys", "create", "--role", "admin", "--name", "ops laptop")
    assert result.exit_code == 0, result.output
    assert "shown only this once" in result.output
    owner = await owner_of(pool, only_key(result.output))
    assert owner is not None and owner.role == "admin" and owner.partner_id is None


async def test_partner_key_belongs_to_its_partner(cli, pool, make_partner):
    partner = await make_partner()
    result = await cli("keys", "create", "--role", "partner", "--partner", partner.code, "-q")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("ptk_") and "\n" not in secret
    owner = await owner_of(pool, secret)
    assert owner is not None and owner.role == "partner" and owner.partner_id == partner.id


async def test_revoke_by_prefix_stops_the_key_at_once(cli, pool):
    secret = only_key((await cli("keys", "create", "--role", "finance")).output)
    prefix = "_".join(secret.split("_")[:2])
    assert await owner_of(pool, secret) is not None
    result = await cli("keys", "revoke", prefix)
    assert result.exit_code == 0, result.output
    assert "Revoked key" in result.output and prefix in result.output
    assert await owner_of(pool, secret) is None


async def test_revoke_by_id_and_list_shows_prefix_and_status(cli, pool):
    secret = only_key((await cli("keys", "create", "--role", "finance")).output)
    prefix, last_four = "_".join(secret.split("_")[:2]), secret[-4:]
    listed = await cli("keys", "list")
    line = next(line for line in listed.output.splitlines() if prefix in line)
    assert f"{prefix}...{last_four}" in line and "active" in line
    assert secret not in listed.output
    key_id = line.split()[0]
    assert (await cli("keys", "revoke", key_id)).exit_code == 0
    assert await owner_of(pool, secret) is None
    relisted = await cli("keys", "list")
    assert "revoked" in next(line for line in relisted.output.splitlines() if prefix in line)


async def test_bad_input_is_one_line_and_exit_code_2(cli):
    assert "--partner" in one_line_error(await cli("keys", "create", "--role", "partner"))
    assert "--partner" in one_line_error(
        await cli("keys", "create", "--role", "admin", "--partner", "FUEL")
    )
    assert "PARTNER_NOT_FOUND" in one_line_error(
        await cli("keys", "create", "--role", "partner", "--partner", "NO_SUCH_PARTNER")
    )
    assert "API_KEY_NOT_FOUND" in one_line_error(await cli("keys", "revoke", "ptk_00000000"))
    assert "API_KEY_NOT_FOUND" in one_line_error(await cli("keys", "revoke", "987654321"))
    wrong_role = await cli("keys", "create", "--role", "root")
    assert wrong_role.exit_code == 2 and "Traceback" not in wrong_role.output
