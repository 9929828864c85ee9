"""One schema extension between validation and execution: it names the operation for the
request log and metrics."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from .context import Context
from .operations import label, operation_of


class OperationGuard(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if isinstance(context, Context) and document is not None:
            operation = operation_of(document, execution.operation_name)
            if operation is not None:
                context.facts.operation = label(operation)
        yield
