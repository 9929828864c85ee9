"""Signed webhooks: partners' endpoints, the operator's signing keys, fan-out of outbox events
to deliveries, and the worker that delivers them (Standard Webhooks, at least once)."""
