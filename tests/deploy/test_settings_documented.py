"""The README's Settings table is the settings class: every variable, with its default, and
no ``EXCHANGE_*`` name anywhere in the code, the docs or deploy/ that the class does not read."""

from __future__ import annotations

import re
from decimal import Decimal

from deploy_support import REPO, VARIABLES_BESIDE_SETTINGS, setting_variables
from pydantic_core import PydanticUndefined

from exchange.kit.settings import Settings

README = (REPO / "README.md").read_text()
SEARCHED = ("exchange", "partners", "settlement", "bench", "deploy", "tests", ".ci")


def documented() -> dict[str, str]:
    start = README.index("\n## Settings\n")
    section = README[start : README.index("\n## ", start + 1)]
    return dict(re.findall(r"^\| `(EXCHANGE_\w+)` \| ([^|]*) \|", section, re.MULTILINE))


def test_every_setting_is_in_the_readme_table_and_nothing_else():
    assert set(documented()) == setting_variables() | VARIABLES_BESIDE_SETTINGS


def test_the_table_gives_each_default_the_class_has():
    table = documented()
    for name, field in Settings.model_fields.items():
        cell = table[f"EXCHANGE_{name.upper()}"]
        default = field.default
        if default is PydanticUndefined:  # a factory: the table describes it in words
            assert field.default_factory is not None and cell.strip(), name
        elif default is None:
            assert cell.strip() == "unset" or (
                "(development)" in cell and "(production)" in cell
            ), (
                name,
                cell,
            )
        else:
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert isinstance(default, bool | int | float | str | Decimal)
            assert f"`{shown}`" in cell, (name, cell, shown)


def test_no_other_exchange_variable_is_named_anywhere():
    known = setting_variables() | VARIABLES_BESIDE_SETTINGS
    files = [REPO / "README.md", REPO / "CHANGELOG.md"]
    for top in SEARCHED:
        files += [p for p in (REPO / top).rglob("*") if p.is_file() and p.suffix != ".pyc"]
    named: dict[str, str] = {}
    for path in files:
        if ".venv" in path.parts or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for name in re.findall(r"\bEXCHANGE_[A-Z][A-Z0-9_]*\b", text):
            named.setdefault(name, str(path.relative_to(REPO)))
    unknown = {name: where for name, where in named.items() if name not in known}
    assert not unknown
