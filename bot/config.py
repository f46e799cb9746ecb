"""The one typed Settings of the bot, read from the environment at start-up by the CLI only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./credits.db"


class Settings(BaseSettings):
    """Everything configurable, with the defaults of the design (DESIGN §9)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = DEFAULT_DATABASE_URL
    credits_admins: Annotated[tuple[str, ...], NoDecode] = ()
    credits_alert_channel: str | None = None
    credits_sweep_seconds: float = Field(default=60, gt=0)
    credits_outbox_seconds: float = Field(default=5, gt=0)
    # How long a claimed Slack event waits for its answer before a retry may take it over:
    # below Slack's one-minute retry, above any normal answer.
    credits_event_lease_seconds: float = Field(default=30, gt=0)
    # How often a running DM import says it is alive; four missed beats and the sweep tells its
    # admin that it stopped.
    credits_import_heartbeat_seconds: float = Field(default=15, gt=0)
    credits_rates_file: Path | None = None
    credits_min_deposit: Decimal = Decimal(50)
    credits_max_deposit: Decimal = Decimal(1_000_000)
    credits_confirm_above: Decimal = Decimal(10_000)
    # The runaway guard: at most this many auto-recharges in 24 hours.
    credits_recharge_cap_per_day: int = Field(default=5, ge=1, le=100)
    # The Microsoft 365 connection (DESIGN §10): on when the tenant, the client and a secret or
    # a certificate are set.
    ms_tenant_id: str | None = None
    ms_client_id: str | None = None
    ms_client_secret: SecretStr | None = None
    ms_client_certificate_path: Path | None = None  # PEM holding the private key
    ms_client_certificate_thumbprint: str | None = None  # SHA-1 hex, as Entra shows it
    ms_graph_url: str = "https://graph.microsoft.com/v1.0"
    ms_authority_url: str = "https://login.microsoftonline.com"
    ms_ca_bundle: Path | None = None  # extra CA to trust (a TLS-inspecting proxy; the tests)
    credits_graph_sync_minutes: float = Field(default=60, gt=0)
    credits_graph_lookback_days: int = Field(default=30, ge=1, le=365)
    credits_graph_overlap_hours: float = Field(default=48, ge=0, le=24 * 30)
    # A payment in flight is left to its worker this long; then the sweep asks the gateway.
    credits_payment_check_seconds: float = Field(default=120, gt=0, le=3600)
    # Fault modes of the card simulation, to rehearse lost answers against `serve`.
    credits_gateway_latency_seconds: float = Field(default=0, ge=0, le=120)
    credits_gateway_fault: Literal["none", "lose-answer-after-charge",
                                   "lose-answer-before-charge"] = "none"
    # The longest a request waits on one of Slack's `429 Retry-After` before giving up.
    credits_slack_max_wait_seconds: float = Field(default=2, ge=0, le=60)

    @field_validator("credits_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("credits_min_deposit", "credits_max_deposit", "credits_confirm_above")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise ValueError("must be a positive amount")
        return value

    @field_validator("ms_graph_url", "ms_authority_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Settings:
        if self.credits_min_deposit > self.credits_max_deposit:
            raise ValueError("CREDITS_MIN_DEPOSIT is above CREDITS_MAX_DEPOSIT")
        return self

    @property
    def graph_enabled(self) -> bool:
        """Whether the Microsoft 365 connection is configured (DESIGN §10)."""
        credential = self.ms_client_secret is not None or bool(
            self.ms_client_certificate_path and self.ms_client_certificate_thumbprint)
        return bool(self.ms_tenant_id and self.ms_client_id and credential)

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @staticmethod
    def secret(value: SecretStr | None) -> str | None:
        """Reveal a secret where it must be used (never where it could be logged)."""
        return value.get_secret_value() if value is not None else None
