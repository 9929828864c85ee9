"""Settings, environment first (prefix ``EXCHANGE_``)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from exchange.kit.production import ProductionRefused, production_problems


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("points-exchange")) / "pgdata"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXCHANGE_", extra="ignore")

    database_url: str | None = None
    """PostgreSQL to use. Unset: the embedded server in ``data_dir``."""

    read_replica_url: str | None = None
    """A streaming replica of ``database_url``: balance and history reads go there, but a
    caller's own writes are read from the primary until the replica has replayed them."""

    data_dir: Path = Field(default_factory=_default_data_dir)
    env: Literal["development", "production"] = "development"
    secret_key: SecretStr | None = None
    """Encrypts webhook secrets and signing keys at rest; required in production."""
    webhook_allow_private_targets: bool = False
    """Lets webhooks target loopback and private addresses (development, tests); never in
    production."""

    public_url: str | None = None
    """Where partners and members reach the gateway (the proxy's address): https in
    production. ``exchange serve`` prints it."""

    currency: str = "EUR"
    """The program's settlement currency: purchases in any other are refused."""
    breakage_issuer_share: Decimal = Field(default=Decimal("0.5"), ge=0, le=1, decimal_places=6)
    """Of the issue value of points that expire, the share credited back to their issuer at
    settlement (the operator keeps the rest)."""

    pool_size: int = 10
    max_upload_bytes: int = 64 * 1024 * 1024
    """Largest multipart upload (a partner's transaction file); JSON bodies stay at 1 MiB."""
    max_query_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_query_cost: int = Field(default=5_000, ge=1)
    """Costliest GraphQL operation accepted (exchange.gateway.cost: objects it may return)."""
    rate_limit_per_second: int = Field(default=10_000, ge=0)
    """Cost units a key's bucket refills per second; 0 turns rate limits off."""
    rate_limit_burst: int = Field(default=50_000, ge=1)
    """A key's bucket: what it may spend at once after a quiet time (>= max_query_cost)."""
    introspection: bool | None = None
    """GraphQL introspection. Unset: on in development, off in production."""
    allow_introspection: bool = False
    """Production refuses EXCHANGE_INTROSPECTION=true unless this says it is meant."""
    hold_default_ttl_seconds: int = 900
    hold_max_ttl_seconds: int = 7 * 24 * 3600
    hold_sweep_interval_seconds: float = 5.0
    expiry_policy: Literal["lot_validity", "inactivity", "none"] = "lot_validity"
    """When points expire: ``lot_validity``, each lot at its issuer's validity; ``inactivity``,
    that and every point of a member with no earn or burn for ``expiry_inactivity_days``;
    ``none``, never (the expiry run expires nothing)."""
    expiry_inactivity_days: int = Field(default=365, ge=1)
    outbox_retention_days: int = Field(default=90, ge=7)
    """Outbox months that ended longer ago than this are archived by the worker (moved to
    the schema outbox_archive); the webhook retry schedule is far shorter."""
    expiry_warning_days: int = Field(default=30, ge=0, le=365)
    """How many days ahead members are warned of points that will expire (a
    ``points.expiring`` event per member and date of expiry); 0: no warnings."""
    transfer_daily_limit_points: int = Field(default=10_000, ge=0)
    """The most points a member may transfer to other members in one UTC day."""
    conversion_quote_seconds: int = Field(default=60, ge=5, le=3600)
    """How long a conversion quote keeps its numbers (the rate lock)."""
    conversion_confirm_seconds: int = Field(default=24 * 3600, ge=60, le=7 * 24 * 3600)
    """How long a partner has to confirm a conversion out of points before it expires and
    the points go back to the member."""
    login_code_sender: Literal["log", "webhook"] | None = None
    """How members get their one-time login codes: ``log`` writes them to the log
    (development; refused in production), ``webhook`` hands them to the member's enrolling
    partner as a ``member.login_code`` event. Unset: ``log`` in development, ``webhook`` in
    production."""
    login_code_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    member_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    """Life of a web app session (the cookie)."""
    member_token_days: int = Field(default=30, ge=1, le=365)
    """Life of a member token that a partner's app holds (Bearer)."""
    member_timezone: str = "UTC"
    """The IANA time zone the web app shows times in."""
    log_format: Literal["json", "text"] = "json"
    """``json``: one JSON object a line (request id, operation, principal, status, latency);
    ``text``: plain lines for a terminal. Both redact keys, tokens and card numbers."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    debug: bool = False
    """Development diagnostics; refused in production."""

    @model_validator(mode="after")
    def _bucket_holds_a_query(self) -> Self:
        if self.rate_limit_per_second and self.rate_limit_burst < self.max_query_cost:
            raise ValueError(
                "EXCHANGE_RATE_LIMIT_BURST must be at least EXCHANGE_MAX_QUERY_COST: a query"
                " costing more than the bucket holds could never run"
            )
        return self

    @model_validator(mode="after")
    def _production_is_safe(self) -> Self:
        """Production refuses to start on unsafe settings, naming every one of them."""
        if self.env == "production":
            problems = production_problems(self)
            if problems:
                raise ProductionRefused(problems)
        return self

    @property
    def introspection_enabled(self) -> bool:
        """EXCHANGE_INTROSPECTION, or by default on in development and off in production."""
        return self.env != "production" if self.introspection is None else self.introspection

    @property
    def code_sender(self) -> Literal["log", "webhook"]:
        if self.login_code_sender is not None:
            return self.login_code_sender
        return "webhook" if self.env == "production" else "log"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
