"""The tables. Money columns end in `_micros` (integer micro-units); times are aware UTC.

Shaped for the whole design: accounts and their settings, the ledger and its lots, licenses, the
audit log, call records and the rate deck (usage), recharge attempts, the alert outbox and the
scheduler lease (scheduler), deposit attempts and the card simulation's charges, and the
dedupe table of Slack deliveries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _micros_column(*, nullable: bool = False, default: int | None = 0) -> Column:
    """A column of money in integer micro-units."""
    return Column(BigInteger, nullable=nullable, default=default,
                  server_default=None if default is None else str(default))


def _time(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Account(SQLModel, table=True):
    """One Slack workspace's credits account: settings, balance and its version."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    name: str = ""
    currency: str = Field(default="USD", max_length=3)
    timezone: str = Field(default="UTC", max_length=64)
    region: str = Field(default="US", max_length=2)
    billing_region: str = Field(default="US", max_length=2)
    billing_type: str = Field(default="mosa", max_length=8)  # mosa | ea | mca | csp
    balance_micros: int = Field(default=0, sa_column=_micros_column())
    version: int = Field(default=0,
                         sa_column=Column(BigInteger, nullable=False, server_default="0"))
    suspended: bool = False
    suspended_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    autorecharge_enabled: bool = False
    autorecharge_amount_micros: int | None = Field(
        default=None, sa_column=_micros_column(nullable=True, default=None))
    autorecharge_below_micros: int | None = Field(
        default=None, sa_column=_micros_column(nullable=True, default=None))
    alert_channel: str | None = Field(default=None, max_length=32)
    # The language of the account's alerts and their dates (`en-US`, `de-DE`): alerts are
    # written for the account, not for one reader (bot/alerts/texts.py).
    language: str = Field(default="en-US", sa_column=Column(String(16), nullable=False,
                                                            server_default="en-US"))
    payment_kind: str | None = Field(default=None, max_length=8)  # card | invoice
    card_brand: str | None = Field(default=None, max_length=16)
    card_last4: str | None = Field(default=None, max_length=4)
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    invoice_po: str | None = Field(default=None, max_length=64)
    payment_updated_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Alert state (bot/alerts/rules.py): a zero-balance alert went out for the current suspension;
    # a run-out forecast alert went out for the current episode.
    zero_alerted: bool = False
    runout_alerted: bool = False
    # Bumped in the same transaction as every write that changes what the account summary
    # shows beyond the ledger's `version` (settings, thresholds, the spend rollup): a cached
    # balance answer is current while (version, summary_version) are unchanged.
    summary_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False,
                                                             server_default="0"))
    created_at: datetime = Field(sa_column=_time())


class AlertThreshold(SQLModel, table=True):
    """A low-balance level; `armed` is cleared when its alert fires and set again above it."""

    __tablename__ = "alert_thresholds"
    __table_args__ = (UniqueConstraint("account_id", "amount_micros"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    amount_micros: int = Field(sa_column=_micros_column(default=None))
    armed: bool = True
    created_at: datetime = Field(sa_column=_time())


class LedgerEntry(SQLModel, table=True):
    """An immutable change of a balance. `balance == sum(amount)` over an account's entries."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_created", "account_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    kind: str = Field(max_length=16)  # deposit | recharge | charge | expiry | adjustment
    amount_micros: int = Field(sa_column=_micros_column(default=None))
    balance_after_micros: int = Field(sa_column=_micros_column(default=None))
    account_version: int = Field(sa_column=Column(BigInteger, nullable=False))
    idempotency_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    actor: str = Field(default="", max_length=64)
    memo: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=_time())


class Lot(SQLModel, table=True):
    """Purchased credits that expire 12 months after purchase; charges draw on them FIFO."""

    __tablename__ = "lots"
    __table_args__ = (Index("ix_lots_account_open", "account_id", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    entry_id: int = Field(foreign_key="ledger_entries.id")
    purchased_micros: int = Field(sa_column=_micros_column(default=None))
    remaining_micros: int = Field(sa_column=_micros_column(default=None))
    purchased_at: datetime = Field(sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())
    expiry_warned: bool = False


class License(SQLModel, table=True):
    """A Communications Credits license of one Slack user; removal keeps the row (history)."""

    __tablename__ = "licenses"
    __table_args__ = (
        Index("uq_licenses_active", "account_id", "slack_user_id", unique=True,
              sqlite_where=text("removed_at IS NULL"),
              postgresql_where=text("removed_at IS NULL")),
        Index("ix_licenses_email", "account_id", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    slack_user_id: str = Field(max_length=32)
    email: str | None = Field(default=None, max_length=254)
    sku: str = Field(default="MCOPSTNC", max_length=16)  # the SKU part number
    assigned_by: str = Field(default="", max_length=64)
    assigned_at: datetime = Field(sa_column=_time())
    removed_by: str | None = Field(default=None, max_length=64)
    removed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class AuditEvent(SQLModel, table=True):
    """Append-only record of who asked for what, with secrets redacted, and how it ended."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    arguments: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    result: str = Field(max_length=16)  # ok | denied | error
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=_time(index=True))


class Rate(SQLModel, table=True):
    """One row of the rate deck (DESIGN §5); the deck is replaced whole by `rates load`."""

    __tablename__ = "rates"
    __table_args__ = (Index("ix_rates_prefix", "prefix", "direction", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=20)
    destination: str = Field(max_length=120)
    number_type: str = Field(max_length=20)
    direction: str = Field(max_length=20)  # outbound | tollfree_inbound
    rate_per_min_micros: int = Field(sa_column=_micros_column(default=None))
    connection_fee_micros: int = Field(sa_column=_micros_column(default=None))
    initial_increment: int
    recurring_increment: int
    currency: str = Field(max_length=3)
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    # Which load a row came from: every row of one deck shares it, so a process can tell that
    # another one replaced the deck; `sample` marks the bundled sample prices.
    deck_id: str = Field(default="", sa_column=Column(String(32), nullable=False,
                                                      server_default=""))
    deck_source: str = Field(default="", sa_column=Column(String(200), nullable=False,
                                                          server_default=""))
    sample: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                         server_default=false()))
    loaded_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class CallRecord(SQLModel, table=True):
    """One call, keyed by its source id: importing it again charges nothing."""

    __tablename__ = "call_records"
    __table_args__ = (
        UniqueConstraint("account_id", "record_key", name="uq_call_records_key"),
        Index("ix_call_records_account_start", "account_id", "start_at"),
        # Finds a call imported from another source by its call id (Teams, Graph).
        Index("ix_call_records_account_call", "account_id", "call_id",
              sqlite_where=text("call_id IS NOT NULL"),
              postgresql_where=text("call_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    record_key: str = Field(max_length=200)
    source: str = Field(max_length=16)  # teams | graph | cdr
    # calling_plan: Microsoft carried it (charged, or rated from a CDR); direct_routing: the
    # customer's own carrier, charge 0, kept for usage and reports.
    route: str = Field(default="calling_plan", max_length=16,
                       sa_column_kwargs={"server_default": "calling_plan"})
    call_id: str | None = Field(default=None, max_length=200)
    user_upn: str | None = Field(default=None, max_length=254)
    user_name: str | None = Field(default=None, max_length=200)
    call_type: str | None = Field(default=None, max_length=40)
    direction: str = Field(default="outbound", max_length=20)
    destination_number: str | None = Field(default=None, max_length=40)
    destination_name: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=2)
    start_at: datetime = Field(sa_column=_time())
    duration_seconds: int
    charge_micros: int = Field(sa_column=_micros_column())
    provider_charge_micros: int | None = Field(
        default=None, sa_column=_micros_column(nullable=True, default=None))
    rated_micros: int | None = Field(
        default=None, sa_column=_micros_column(nullable=True, default=None))
    currency: str = Field(default="USD", max_length=3)
    licensed: bool = True
    ledger_entry_id: int | None = Field(default=None, foreign_key="ledger_entries.id")
    imported_at: datetime = Field(sa_column=_time())


class SpendDay(SQLModel, table=True):
    """What an account's calls cost per calendar day of their start, in the account's time zone:
    a rollup of `call_records`, written in the same transaction as each import batch, so that
    balance and forecast read a few rows however many calls there are."""

    __tablename__ = "spend_days"

    account_id: int = Field(foreign_key="accounts.id", primary_key=True)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    spend_micros: int = Field(sa_column=_micros_column())
    seconds: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    calls: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))


class RechargeAttempt(SQLModel, table=True):
    """An auto-recharge: created -> processing -> succeeded | failed (or cancelled before any
    payment); one open per account. A retry after a failure is a new attempt (a new key)."""

    __tablename__ = "recharge_attempts"
    __table_args__ = (
        Index("uq_recharge_attempts_open", "account_id", unique=True,
              sqlite_where=text("status IN ('created', 'processing')"),
              postgresql_where=text("status IN ('created', 'processing')")),
        Index("ix_recharge_attempts_account_created", "account_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=36)  # also the gateway's idempotency key
    account_id: int = Field(foreign_key="accounts.id")
    status: str = Field(max_length=16)
    amount_micros: int = Field(sa_column=_micros_column(default=None))
    tries: int = 0
    reason: str | None = Field(default=None, max_length=300)
    gateway_ref: str | None = Field(default=None, max_length=100)
    next_try_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # The account's version when the attempt was created: which crossing of the trigger it is
    # for (a later ledger entry at or above the trigger ends that crossing).
    account_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False,
                                                             server_default="0"))
    created_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class OutboxMessage(SQLModel, table=True):
    """An alert waiting for Slack, written in the transaction that caused it; sent once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    dedupe_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = Field(max_length=32)
    channel: str | None = Field(default=None, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    blocks: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_time())
    last_error: str | None = Field(default=None, max_length=300)
    slack_ts: str | None = Field(default=None, max_length=32)
    claim_token: str | None = Field(default=None, max_length=64)  # the relay sending it now
    created_at: datetime = Field(sa_column=_time())
    sent_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduled jobs: the holder renews it; a newer token fences out an old one."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=100)
    token: int = Field(sa_column=Column(BigInteger, nullable=False))
    heartbeat_at: datetime = Field(sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())


class GraphSync(SQLModel, table=True):
    """The Graph usage sync of one account: its high-water mark and what the last run did."""

    __tablename__ = "graph_sync"

    account_id: int = Field(primary_key=True, foreign_key="accounts.id")
    # Calls that started before this are in (less the overlap, re-read by every run).
    high_water_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    last_started_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    last_finished_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    windows: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    pages: int = 0
    new_calls: int = 0
    duplicates: int = 0
    rejected: int = 0
    direct_routing_rows: int = 0
    charged_micros: int = Field(default=0, sa_column=_micros_column())
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the current run of errors began: one alert per episode.
    error_since: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Graph asked to wait (429/503 Retry-After): no run before this.
    retry_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class ProcessedEvent(SQLModel, table=True):
    """A Slack event claimed for an answer: Slack retries deliveries up to 4 times.

    `lease_until` is set while the claim's holder is answering: a retry that comes before it
    lapses is told to come back, one after it takes the claim over (its holder died). It is
    None once the event was answered (and for claims made before leases existed)."""

    __tablename__ = "processed_events"

    key: str = Field(primary_key=True, max_length=200)
    team_id: str = Field(default="", max_length=32)
    created_at: datetime = Field(sa_column=_time(index=True))
    lease_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class RunningImport(SQLModel, table=True):
    """A usage file being imported from a DM: removed when the admin got the answer.

    The importer's heartbeat keeps `heartbeat_at` fresh; a row whose heartbeat stopped belongs to
    a process that died, and the sweep tells the admin (`notice`, written in their language when
    the import started) through the outbox."""

    __tablename__ = "running_imports"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id")
    user_id: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    name: str = Field(max_length=200)
    notice: str = Field(sa_column=Column(Text, nullable=False))
    started_at: datetime = Field(sa_column=_time())
    heartbeat_at: datetime = Field(sa_column=_time(index=True))


class PendingOperation(SQLModel, table=True):
    """An action that waits for a confirmation button: done once, by an admin, before expiry
    (adjustments, auto-recharge warnings, posting a file in a channel; deposits have their own
    `deposit_attempts`)."""

    __tablename__ = "pending_operations"

    id: str = Field(primary_key=True, max_length=36)
    account_id: int = Field(foreign_key="accounts.id")
    kind: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending | done | cancelled | expired
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())


class DepositAttempt(SQLModel, table=True):
    """A one-time deposit as a durable payment attempt (DESIGN §7), written before the gateway
    is called: awaiting_confirmation -> created -> processing -> succeeded | failed, or
    cancelled / expired while it still awaits its confirmation (never once sent to the gateway).
    A `processing` attempt whose claim lapsed (`check_at`) is reconciled through `lookup`."""

    __tablename__ = "deposit_attempts"
    __table_args__ = (Index("ix_deposit_attempts_due", "status", "check_at"),)

    id: str = Field(primary_key=True, max_length=36)  # rides in the message's buttons
    idempotency_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    account_id: int = Field(foreign_key="accounts.id")
    status: str = Field(max_length=24)
    amount_micros: int = Field(sa_column=_micros_column(default=None))
    currency: str = Field(max_length=3)
    memo: str | None = Field(default=None, max_length=200)
    requested_by: str = Field(max_length=64)
    confirmed_by: str | None = Field(default=None, max_length=64)
    method: str | None = Field(default=None, max_length=100)  # "Visa ending 4242, …"
    tries: int = 0  # how many times the gateway was called (charge or lookup)
    reason: str | None = Field(default=None, max_length=300)
    gateway_ref: str | None = Field(default=None, max_length=100)
    ledger_entry_id: int | None = Field(default=None, foreign_key="ledger_entries.id")
    # When the sweep may take the attempt next: a claim lapses then (its worker may be dead).
    check_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    expires_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class GatewayCharge(SQLModel, table=True):
    """The card simulation's own book, where a real processor keeps its charges: one row per
    idempotency key (a success or the first refusal), so `lookup` finds a charge made just
    before a crash, from any process."""

    __tablename__ = "gateway_charges"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    amount_micros: int = Field(sa_column=_micros_column(default=None))
    currency: str = Field(max_length=3)
    outcome: str = Field(max_length=16)  # succeeded | failed
    code: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=300)
    reference: str | None = Field(default=None, max_length=100)
    method: str = Field(max_length=100)  # brand and last 4 only, never a card number
    charged_at: datetime = Field(sa_column=_time())


__all__ = [
    "Account", "AlertThreshold", "AuditEvent", "CallRecord", "DepositAttempt", "GatewayCharge",
    "GraphSync", "LedgerEntry", "License", "Lot", "OutboxMessage", "PendingOperation",
    "ProcessedEvent", "Rate", "RechargeAttempt", "RunningImport", "SchedulerLease",
]
