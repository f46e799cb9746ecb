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
    credits_rates_file: Path | None = None
    credits_min_deposit: Decimal = Decimal(50)
    credits_max_deposit: Decimal = Decimal(1_000_000)
    credits_confirm_above: Decimal = Decimal(10_000)
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
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @staticmethod
    def secret(value: SecretStr | None) -> str | None:
        """Reveal a secret where it must be used (never where it could be logged)."""
        return value.get_secret_value() if value is not None else None
