"""The member portal: login by one-time code, server-side sessions, and what a member reads
about its own account (the web app and ``viewer`` in GraphQL show it)."""
