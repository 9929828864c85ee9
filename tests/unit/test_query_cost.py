"""The query cost of exchange.gateway.cost, worked by hand on the real schema."""

from __future__ import annotations

import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse

from exchange.gateway.cost import LIST_SIZE, MUTATION_COST, operation_cost
from exchange.gateway.schema import build_schema
from exchange.kit.settings import Settings

SCHEMA = build_schema(Settings(database_url="postgresql://unused/x"))._schema


def cost(query: str, variables: dict | None = None) -> int:
    document = parse(query)
    fragments = {
        node.name.value: node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    operation = get_operation_ast(document)
    assert operation is not None
    return operation_cost(SCHEMA, operation, fragments, variables)


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # scalars are free, __typename too
        ("{ __typename }", None, 0),
        # member 1 + tier 1
        ('{ member(id: "x") { id balance tier { name } } }', None, 2),
        # transactions 1 + edges 50 + node 50 + partner 50
        ("{ transactions(first: 50) { edges { node { id partner { code } } } } }", None, 151),
        # the schema's default page (20): 1 + 20 edges + 20 nodes, pageInfo 1
        ("{ transactions { edges { node { id } } pageInfo { hasNextPage } } }", None, 42),
        # a variable counts as given
        ("query($n: Int) { transactions(first: $n) { edges { node { id } } } }", {"n": 100}, 201),
        # a list without `first` (LIST_SIZE partners), each partner's prices (a list with
        # first: 20 by default), and each price's money object
        ("{ partners { prices { issuePrice { amount } } } }", None, 10 + 200 + 200),
        # fragments, named and inline, count where they are spread
        (
            "query { transactions(first: 10) { ...page } } fragment page on TransactionConnection"
            " { edges { node { ... on Transaction { partner { code } } } } }",
            None,
            1 + 10 + 10 + 10,
        ),
        # a write: 10, plus its payload 1, transaction 1, userErrors (a list) 10
        (
            'mutation { earnPoints(input: {memberId: "x", amount: {amount: "1", currency: "EUR"},'
            ' idempotencyKey: "k"}) { transaction { id } userErrors { code } } }',
            None,
            MUTATION_COST + 1 + 1 + LIST_SIZE,
        ),
    ],
)
def test_costs(query, variables, expected):
    assert cost(query, variables) == expected


def test_aliases_count_each_time():
    one = cost('{ a: member(id: "x") { tier { name } } }')
    assert (
        cost('{ a: member(id: "x") { tier { name } } b: member(id: "y") { tier { name } } }')
        == 2 * one
    )


def test_introspection_is_counted():
    assert cost("{ __schema { types { name fields { name } } } }") == 1 + LIST_SIZE + LIST_SIZE**2


def test_the_worked_example_of_the_module():
    query = (
        "{ transactions(first: 50) { edges { node { id partner { code } } }"
        " pageInfo { hasNextPage } } }"
    )
    assert cost(query) == 1 + 50 + 50 + 50 + 1
