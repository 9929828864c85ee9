"""Pooled accounts (a family, a company): members contribute points, named members spend them
at partners within their limits, an owner manages who belongs."""
