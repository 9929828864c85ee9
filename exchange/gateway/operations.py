"""Which operation a validated GraphQL document runs: its root fields, and a label for them."""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, get_operation_ast

INTROSPECTION = frozenset({"__schema", "__type"})


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    return get_operation_ast(document, name)


def root_fields(operation: OperationDefinitionNode) -> list[FieldNode]:
    """The root fields as written (fragments at the root are rare and stay uncounted here:
    validation has checked them, and the cost analysis walks them)."""
    return [node for node in operation.selection_set.selections if isinstance(node, FieldNode)]


def label(operation: OperationDefinitionNode) -> str:
    """A metric and log label of bounded cardinality: the one root field's name,
    ``introspection``, or ``multiple``."""
    names = {field.name.value for field in root_fields(operation)} - {"__typename"}
    if names and names <= INTROSPECTION:
        return "introspection"
    if len(names) == 1:
        return next(iter(names))
    return "multiple" if names else "__typename"
