"""GraphQL object types, split by domain."""
