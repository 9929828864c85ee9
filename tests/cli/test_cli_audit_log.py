"""The CLI's audit trail: state-changing commands are recorded (who: the operating system
user and host), read-only ones are not; ``exchange audit-log`` reads the trail."""

from __future__ import annotations

import getpass
import json
import socket

from cli_support import one_line_error

CARD = "6390000000000013"


async def newest(cli, *options: str) -> list[dict]:
    result = await cli("audit-log", "--json", *options)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


async def test_a_command_that_changes_state_is_recorded(cli):
    result = await cli("keys", "create", "--role", "finance", "--name", f"ops {CARD}", "-q")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    event = (await newest(cli, "--operation", "keys create", "--limit", "1"))[0]
    assert event["source"] == "cli" and event["principal"] == "cli"
    assert event["actor"] == f"{getpass.getuser()}@{socket.gethostname()}"
    assert event["input"] == {
        "role": "finance",
        "partner": None,
        "name": "ops ************0013",
        "quiet": True,
    }
    assert event["outcome"] == "OK" and event["codes"] == []
    assert secret not in json.dumps(event)


async def test_a_refused_command_is_recorded_with_its_code(cli):
    result = await cli("settle", "approve", "987654")
    assert result.exit_code != 0
    event = (await newest(cli, "--limit", "1"))[0]
    assert event["operation"] == "settle approve"
    assert event["input"] == {"batch_id": 987654}
    assert (event["outcome"], event["codes"]) == ("REFUSED", ["SETTLEMENT_BATCH_NOT_FOUND"])


async def test_reading_commands_are_not_recorded(cli, make_partner):
    partner = await make_partner()
    before = await newest(cli, "--limit", "1")
    for command in (
        ["keys", "list"],
        ["partners", "list"],
        ["partners", "earn-rules", partner.code],
    ):
        assert (await cli(*command)).exit_code == 0
    assert await newest(cli, "--limit", "1") == before


async def test_audit_log_table_and_filters(cli):
    assert (await cli("keys", "create", "--role", "admin", "-q")).exit_code == 0
    table = await cli("audit-log", "--operation", "keys create", "--limit", "3")
    assert table.exit_code == 0, table.output
    assert "keys create" in table.output and "OK" in table.output
    assert await newest(cli, "--outcome", "NONE", "--operation", "no such thing") == []
    bad = await cli("audit-log", "--since", "yesterday")
    assert "--since" in one_line_error(bad)


def command_names(app, prefix: str = "") -> list[str]:
    names = [
        prefix + (info.name or info.callback.__name__.replace("_", "-"))
        for info in app.registered_commands
    ]
    for group in app.registered_groups:
        names += command_names(group.typer_instance, f"{prefix}{group.name} ")
    return names


def test_every_command_is_audited_or_known_to_change_nothing():
    """A new command must say which it is (exchange/cli/trail.py)."""
    from exchange.cli import trail
    from exchange.cli.main import app

    names = command_names(app)
    assert sorted(set(names) - set(trail.AUDITED) - trail.NOT_AUDITED) == []
    assert sorted((set(trail.AUDITED) | trail.NOT_AUDITED) - set(names)) == []
