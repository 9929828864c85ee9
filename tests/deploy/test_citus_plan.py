"""deploy/CITUS.md against the real schema (the test database, migrated to head): every table
placed exactly once; each distributed table's key column there (or named as one to add); every
primary, unique and foreign key Citus would refuse named in a prerequisite; every table the
hot path's SQL functions reach co-located with the member, a reference table, or a named
exception."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
import pytest
from deploy_support import DEPLOY

PLAN = (DEPLOY / "CITUS.md").read_text()
PLACEMENTS = {"distributed", "distributed-by-partner", "reference", "coordinator"}
HOT_PATH_CALLS = {"ledger_earn", "ledger_burn"}
"""The SQL functions earnPoints, burnPoints and captureBurn call (exchange.ledger)."""


@dataclass(frozen=True)
class Placement:
    table: str
    placement: str
    key: str | None
    to_add: bool


@dataclass(frozen=True)
class Schema:
    columns: dict[str, dict[str, bool]]
    """table -> column -> nullable"""
    keys: dict[str, list[list[str]]]
    """table -> its primary and unique keys' columns"""
    foreign: dict[str, list[tuple[list[str], str, list[str]]]]
    """table -> (columns, referenced table, referenced columns)"""
    functions: dict[str, tuple[list[str], str]]
    """function -> (argument names, body)"""
    triggers: dict[str, list[str]]
    """table -> its trigger functions"""


def section(title: str) -> str:
    start = PLAN.index(f"\n## {title}\n")
    end = PLAN.find("\n## ", start + 1)
    return PLAN[start : end if end > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    """The cells of a markdown table's body rows (those starting with a `name`)."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| `")
    ]


def placements() -> list[Placement]:
    found = []
    for table, placement, key, *_ in table_rows(section("Placement of every table")):
        column = re.fullmatch(r"(?:`(\w+)`( \*\(to add\)\*)?)?", key)
        assert column, f"key cell {key!r}"
        found.append(Placement(table.strip("`"), placement, column.group(1), bool(column.group(2))))
    return found


def prerequisites() -> dict[str, set[str]]:
    found = {}
    for number, body in re.findall(
        r"^\d+\. \*\*(P\d+):.*?\*\*(.*?)(?=^\d+\. \*\*|\Z)",
        section("Prerequisites (schema changes before distributing)"),
        re.MULTILINE | re.DOTALL,
    ):
        tables = re.search(r"Tables:\s+((?:`\w+`[,\s]*)+)\.", body)
        assert tables, f"{number} names no tables"
        found[number] = set(re.findall(r"`(\w+)`", tables.group(1)))
    return found


def hot_path() -> dict[str, str]:
    return dict(
        re.findall(r"^\| `(\w+)` \| `(\w+)` \|", section("The hot path, keyed by member id"), re.M)
    )


def exceptions() -> set[str]:
    text = section("The hot path, keyed by member id")
    table = text[text.index("| table | on the hot path because") :]
    return set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))


@pytest.fixture(scope="module")
def schema(database_url: str) -> Schema:
    with psycopg.connect(database_url) as conn:
        tables = "c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = 'public'"
        columns: dict[str, dict[str, bool]] = {}
        for table, column, nullable in conn.execute(
            "SELECT c.relname, a.attname, NOT a.attnotnull FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            f" WHERE {tables}"
        ):
            columns.setdefault(table, {})[column] = nullable
        names = (
            "ARRAY(SELECT attname FROM unnest({0}) WITH ORDINALITY u(n, i)"
            " JOIN pg_attribute a ON a.attrelid = {1} AND a.attnum = u.n ORDER BY u.i)"
        )
        keys: dict[str, list[list[str]]] = {}
        foreign: dict[str, list[tuple[list[str], str, list[str]]]] = {}
        for table, kind, cols, target, target_cols in conn.execute(
            "SELECT c.relname, k.contype, "
            + names.format("k.conkey", "k.conrelid")
            + ", t.relname, "
            + names.format("k.confkey", "k.confrelid")
            + " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_class t ON t.oid = k.confrelid"
            f" WHERE {tables} AND k.contype IN ('p', 'u', 'f')"
        ):
            if kind == "f":
                foreign.setdefault(table, []).append((cols, target, target_cols))
            else:
                keys.setdefault(table, []).append(cols)
        functions = {
            name: (args or [], body)
            for name, args, body in conn.execute(
                "SELECT p.proname, p.proargnames, p.prosrc FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            )
        }
        triggers: dict[str, list[str]] = {}
        for table, function in conn.execute(
            "SELECT c.relname, p.proname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
            " JOIN pg_proc p ON p.oid = g.tgfoid WHERE NOT g.tgisinternal"
        ):
            triggers.setdefault(table, []).append(function)
    return Schema(columns, keys, foreign, functions, triggers)


def test_every_table_is_placed_exactly_once(schema):
    placed = [p.table for p in placements()]
    assert len(placed) == len(set(placed)), "a table placed twice"
    assert set(placed) == set(schema.columns), (
        f"not placed in deploy/CITUS.md: {sorted(set(schema.columns) - set(placed))};"
        f" placed but not in the schema: {sorted(set(placed) - set(schema.columns))}"
    )
    assert {p.placement for p in placements()} <= PLACEMENTS


def test_distributed_tables_have_their_key_or_a_prerequisite_adds_it(schema):
    wanted = prerequisites()
    named = set().union(*wanted.values())
    for plan in placements():
        columns = schema.columns[plan.table]
        if plan.placement == "distributed":
            assert plan.key == ("id" if plan.table == "members" else "member_id"), plan
        if plan.placement == "distributed-by-partner":
            assert plan.key == "partner_id", plan
        if plan.placement in ("reference", "coordinator"):
            assert plan.key is None, plan
            continue
        assert plan.key is not None
        if plan.to_add:
            assert plan.key not in columns, f"{plan.table}.{plan.key} exists: not 'to add'"
            assert plan.table in wanted["P1"], f"{plan.table}: P1 must add {plan.key}"
        else:
            assert plan.key in columns, f"{plan.table} has no {plan.key}"
            if columns[plan.key]:  # nullable: rows without a member must move elsewhere
                assert plan.table in named, f"{plan.table}.{plan.key} may be NULL"


def test_keys_citus_would_refuse_are_named_in_a_prerequisite(schema):
    named = set().union(*prerequisites().values())
    by_table = {p.table: p for p in placements()}
    refused = set()
    for plan in by_table.values():
        if plan.placement.startswith("distributed") and not plan.to_add:
            for columns in schema.keys.get(plan.table, []):
                if plan.key not in columns:
                    refused.add(plan.table)
    for table, references in schema.foreign.items():
        plan = by_table[table]
        for columns, target, target_columns in references:
            other = by_table[target]
            if other.placement == "reference":
                continue
            if plan.placement == "coordinator" and other.placement == "coordinator":
                continue
            co_located = plan.placement == other.placement == "distributed"
            if not (co_located and plan.key in columns and other.key in target_columns):
                refused.add(table)
    assert refused, "the schema has keys to change (P2): the test should see some"
    assert refused <= named, f"not named in a prerequisite: {sorted(refused - named)}"
    assert named <= set(schema.columns), f"no such table: {sorted(named - set(schema.columns))}"


def test_the_hot_path_is_keyed_by_member_and_stays_on_the_members_node(schema):
    listed = hot_path()
    assert set(listed) >= HOT_PATH_CALLS
    for function, argument in listed.items():
        assert function in schema.functions, f"no function {function}"
        assert argument in schema.functions[function][0], f"{function} has no {argument}"
    by_table = {p.table: p for p in placements()}
    reached = _tables_reached(schema, HOT_PATH_CALLS)
    assert {"member_balances", "journal_entries", "postings", "lots", "partners"} <= reached
    off_node = {t for t in reached if by_table[t].placement not in ("distributed", "reference")}
    assert off_node == exceptions(), f"the hot path reaches {sorted(off_node)}"


def _tables_reached(schema: Schema, start: set[str]) -> set[str]:
    """Tables named in the bodies of these functions, of the functions they call, and of the
    triggers on the tables they name."""
    tables: set[str] = set()
    seen: set[str] = set()
    todo = list(start)
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.add(function)
        body = schema.functions[function][1]
        named = {t for t in schema.columns if re.search(rf"\b{t}\b", body)}
        tables |= named
        todo += [f for f in schema.functions if re.search(rf"\b{f}\s*\(", body)]
        todo += [f for t in named for f in schema.triggers.get(t, [])]
    return tables
