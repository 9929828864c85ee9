"""What a GraphQL operation may cost, read from the document before anything runs.

The cost is the number of objects the operation may return: a field returning an object
counts once per object its parent may return; a list counts its length: ``first`` when the
field takes one (its schema default when not given), the ``first`` of the connection right
above it for a connection's ``edges``, ``LIST_SIZE`` otherwise. Scalars cost nothing. Each
root mutation field costs ``MUTATION_COST`` more: it writes.

Worked example: ``{ transactions(first: 50) { edges { node { id partner { code } } }
pageInfo { hasNextPage } } }`` costs 1 (the connection) + 50 (edges) + 50 (nodes) + 50
(their partners) + 1 (pageInfo) = 152.

The cost is the query cost limit's measure (``EXCHANGE_MAX_QUERY_COST``) and what a request
takes from its key's token bucket (exchange.gateway.rate_limit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)

LIST_SIZE = 10
MUTATION_COST = 10
MAX_COUNT = 10**9
MAX_INT = 2**31 - 1
META = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def page_size(self, field: GraphQLField, node: FieldNode) -> int | None:
        if "first" not in field.args:
            return None
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = argument.value
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, VariableNode):
                    given = self.variables.get(value.name.value)
                    # not an Int: execution refuses the variable (BAD_USER_INPUT) next
                    valid = isinstance(given, int) and 0 <= given <= MAX_INT
                    return given if valid else LIST_SIZE
        default = field.args["first"].default_value
        return default if isinstance(default, int) else LIST_SIZE

    def selections(
        self, selection_set: SelectionSetNode, parent: Any, count: int, paged: int | None
    ) -> int:
        """The cost of a selection on ``count`` objects of type ``parent``; ``paged``: the
        ``first`` of the connection these are the fields of."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, count, paged)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                typed = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, typed, count, paged)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    typed = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selections(fragment.selection_set, typed, count, paged)
        return total

    def field(self, node: FieldNode, parent: Any, count: int, paged: int | None) -> int:
        fields = getattr(parent, "fields", None)
        definition = META.get(node.name.value) or (fields or {}).get(node.name.value)
        if definition is None or node.selection_set is None:
            return 0  # a scalar, __typename, or what validation refused
        if not is_composite_type(get_named_type(definition.type)):
            return 0
        size = self.page_size(definition, node)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        if is_list:
            length = size if size is not None else paged if paged is not None else LIST_SIZE
            count *= max(length, 0)
        count = min(count, MAX_COUNT)
        inner_paged = size if size is not None and not is_list else None
        inner = get_named_type(definition.type)
        return count + self.selections(node.selection_set, inner, count, inner_paged)


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None = None,
) -> int:
    root: GraphQLObjectType | None = schema.get_root_type(operation.operation)
    walk = _Walk(schema, fragments, variables or {})
    cost = walk.selections(operation.selection_set, root, 1, None)
    if operation.operation is OperationType.MUTATION:
        cost += MUTATION_COST * sum(
            1 for node in operation.selection_set.selections if isinstance(node, FieldNode)
        )
    return cost
