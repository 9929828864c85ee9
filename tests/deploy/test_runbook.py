"""deploy/RUNBOOK.md says only what is true: every ``exchange ...`` command in it parses with
the CLI of this release, and every Compose service and Kubernetes object it names exists."""

from __future__ import annotations

import re
import shlex

import yaml
from deploy_support import DEPLOY, find_command, manifests, option_names, parse_cli

RUNBOOK = (DEPLOY / "RUNBOOK.md").read_text()
SEPARATORS = {"&&", "||", ";", "|"}


def shell_lines() -> list[str]:
    """The commands of the runbook's shell blocks: continuation lines joined, and a quoted
    string over several lines (``bash -c '...'``) kept in its command."""
    blocks = re.findall(r"```sh\n(.*?)```", RUNBOOK, re.DOTALL)
    assert blocks
    commands: list[str] = []
    pending = ""
    for line in (line for block in blocks for line in block.replace("\\\n", " ").splitlines()):
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open
            continue
        commands.append(pending)
        pending = ""
    assert not pending
    return commands


def segments(line: str) -> list[list[str]]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.commenters = "#"
    lexer.whitespace_split = True
    found: list[list[str]] = [[]]
    for token in lexer:
        if token in SEPARATORS:
            found.append([])
        else:
            found[-1].append(token)
    return [tokens for tokens in found if tokens]


COMPOSE_RUN_OPTIONS_WITH_VALUE = {"-e", "--env", "--user", "-u", "--name", "-w", "--workdir"}


def compose_run(tokens: list[str]) -> list[str] | None:
    """ARGS of ``docker compose ... run [OPTIONS] SERVICE ARGS`` for a service of the exchange
    image (whose entrypoint is ``exchange``)."""
    if tokens[:2] != ["docker", "compose"] or "run" not in tokens or "--entrypoint" in tokens:
        return None
    rest = tokens[tokens.index("run") + 1 :]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in COMPOSE_RUN_OPTIONS_WITH_VALUE else rest[1:]
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    if not rest or "command" not in services[rest[0]] or "build" not in services[rest[0]]:
        return None
    return rest[1:] or list(services[rest[0]]["command"])


def exchange_commands() -> list[list[str]]:
    """``exchange ARGS`` as a shell command, after ``kubectl exec ... --`` or
    ``docker compose exec SERVICE``, and ``docker compose run SERVICE ARGS`` of the image."""
    found = []
    for line in shell_lines():
        for tokens in segments(line):
            run = compose_run(tokens)
            if run is not None:
                found.append(run)
            for i, token in enumerate(tokens):
                after_exec = i >= 2 and tokens[i - 2] == "exec"
                if token == "exchange" and (i == 0 or tokens[i - 1] == "--" or after_exec):
                    found.append(tokens[i + 1 :])
    return found


def prose_commands() -> list[list[str]]:
    """``exchange ...`` named in the prose's code spans (maybe without its required options)."""
    return [shlex.split(span)[1:] for span in re.findall(r"`(exchange [a-z-][^`]*)`", RUNBOOK)]


def test_every_exchange_command_in_the_runbook_parses():
    commands = exchange_commands()
    paths = {" ".join(parse_cli(args)) for args in commands}
    assert {
        "exchange migrate",
        "exchange keys create",
        "exchange keys revoke",
        "exchange webhooks rotate-signing-key",
        "exchange settle run",
        "exchange settle approve",
        "exchange settle pay",
        "exchange audit",
        "exchange webhooks dead-letters",
        "exchange webhooks replay-dead-letters",
        "exchange members sessions revoke",
        "exchange check-config",
    } <= paths
    assert len(commands) >= 20


def test_every_command_the_prose_names_exists():
    named = prose_commands()
    assert len(named) >= 5
    for args in named:
        _, command, rest = find_command(args)
        options = {a for a in rest if a.startswith("--")}
        assert options <= option_names(command) | {"--help"}, (args, options)


def test_the_cli_aliases_point_at_a_running_gateway():
    aliases = re.findall(r"alias exchange='([^']+)'", RUNBOOK)
    assert len(aliases) == 2
    compose_alias, kubectl_alias = (shlex.split(a) for a in aliases)
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert compose_alias[-1] == "exchange" and compose_alias[-3] == "exec"
    assert "serve" in services[compose_alias[-2]]["command"]
    deployments = {d["metadata"]["name"] for _, d in manifests() if d["kind"] == "Deployment"}
    assert kubectl_alias[-2] == "--" and kubectl_alias[-3].removeprefix("deploy/") in deployments


def test_compose_services_and_kubernetes_objects_named_exist():
    services = set(yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"])
    named = set()
    for line in shell_lines():
        for tokens in segments(line):
            if tokens[:2] == ["docker", "compose"]:
                named |= {
                    t
                    for t in tokens
                    if re.fullmatch(r"gateway-\d+|worker|proxy|postgres|migrate", t)
                }
                named |= {t.split("=")[0] for t in tokens if re.fullmatch(r"worker=\d+", t)}
    assert named and named <= services, named - services
    objects = {f"{d['kind'].lower()}/{d['metadata']['name']}" for _, d in manifests()}
    short = {"deploy": "deployment", "job": "job"}
    referenced = set(re.findall(r"\b(deploy|job)/(exchange-[\w-]+)", RUNBOOK))
    assert referenced
    for kind, name in referenced:
        assert f"{short[kind]}/{name}" in objects


def test_the_runbook_covers_the_operations_asked_of_it():
    headings = re.findall(r"^## (.+)$", RUNBOOK, re.MULTILINE)
    for needed in (
        "Start with Docker Compose",
        "Start on Kubernetes",
        "Migrate (every release)",
        "Rotate API keys",
        "Rotate webhook signing keys",
        "Run settlement",
        "Back up",
        "Restore from backup",
        "Replay dead letters",
        "Revoke member sessions",
    ):
        assert needed in headings
