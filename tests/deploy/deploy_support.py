"""What the deploy tests share: where deploy/ is, the CLI's parser, the settings' names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import typer.main
import yaml

from exchange.cli.main import app
from exchange.kit.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"

PINNED_TAG = re.compile(r"^[\w./-]+:\d+\.\d+(\.\d+)?(-[\w.]+)?$")
"""An image reference with an explicit version tag (never ``latest`` or a bare major)."""

VARIABLES_BESIDE_SETTINGS = {
    "EXCHANGE_TEST_DATABASE_URL",
    "EXCHANGE_FUZZ_EXAMPLES",
    "EXCHANGE_CHAOS_SEED",
    "EXCHANGE_CHAOS_LONG",
    "EXCHANGE_CHAOS_OPERATIONS",
}
"""Read by the tests, not by the settings class."""


def setting_variables() -> set[str]:
    """Every ``EXCHANGE_*`` variable the settings class reads."""
    return {f"EXCHANGE_{name.upper()}" for name in Settings.model_fields}


class NotACommand(Exception):
    """``exchange ARGS`` names no command of the CLI."""


def find_command(args: Sequence[str]) -> tuple[list[str], Any, list[str]]:
    """The command ``exchange ARGS`` names: its path, the command, and the arguments left.
    (Typer carries its own copy of click, so groups are told by their ``commands``.)"""
    command: Any = typer.main.get_command(app)
    rest = list(args)
    path = ["exchange"]
    while hasattr(command, "commands") and rest[:1] not in (["--help"], ["--version"]):
        if not rest:
            raise NotACommand(f"{' '.join(path)} needs a command")
        name, rest = rest[0], rest[1:]
        sub = command.commands.get(name)
        if sub is None:
            raise NotACommand(f"{' '.join(path)} has no command {name!r}")
        path.append(name)
        command = sub
    return path, command, rest


def parse_cli(args: Sequence[str]) -> list[str]:
    """Parse ``exchange ARGS`` as the CLI would, running nothing; returns the command path.
    A wrong command raises ``NotACommand``; a wrong option or value the parser's usage error."""
    path, command, rest = find_command(args)
    if rest in ([], ["--help"], ["--version"]) and hasattr(command, "commands"):
        return path
    if rest != ["--help"]:
        with command.make_context(" ".join(path), rest):
            pass
    return path


def option_names(command: Any) -> set[str]:
    return {name for param in command.params for name in param.opts + param.secondary_opts}


def load_all(path: Path) -> list[dict[str, Any]]:
    with path.open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def manifests() -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every Kubernetes object in deploy/k8s (the kustomization file is not one)."""
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in load_all(path):
            yield path, doc


def containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod_spec.get("initContainers", []), *pod_spec["containers"]]
