"""Row factories: accounts in known states."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine, bindparam, func, text
from sqlmodel import Session, select

from bot.accounts import Accounts, AccountView
from bot.clock import Clock
from bot.ledger import Ledger
from bot.money import Money
from storage import spend as spend_db
from storage.accounts import get_account
from storage.audit import list_audit_events
from storage.db import read_session, write_transaction
from storage.models import CallRecord, LedgerEntry, SpendDay
from storage.types import UTCDateTime
from storage.units import from_micros, to_micros


def make_account(engine: Engine, clock: Clock, *, team_id: str = "T1",
                 balance: Decimal | None = None, card_last4: str | None = "4242",
                 exp: tuple[int, int] = (12, 2030), **settings: str) -> AccountView:
    """An account with a card on file and, optionally, a first deposit."""
    accounts = Accounts(engine, clock)
    accounts.ensure(team_id, name="Example")
    if settings:
        accounts.update(team_id, **settings)  # type: ignore[arg-type]
    if card_last4:
        accounts.set_card(team_id, brand="visa", last4=card_last4, exp_month=exp[0],
                          exp_year=exp[1])
    account = accounts.get(team_id)
    if balance:
        Ledger(engine, clock).deposit(account_id=account.id,
                                      amount=Money(balance, account.currency),
                                      key=f"seed:{team_id}", actor="test")
    return accounts.get(team_id)



def ledger_state(engine: Engine, team_id: str) -> tuple[Decimal, int]:
    """(balance, number of ledger entries) of a team: what must not move on a refusal."""
    with read_session(engine) as session:
        account = get_account(session=session, team_id=team_id)
        if account is None:
            return Decimal(0), 0
        count = session.exec(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.account_id == account.id)).one()
        return from_micros(account.balance_micros), int(count)


@dataclass(frozen=True)
class AuditRow:
    actor: str
    action: str
    result: str
    arguments: str
    detail: str | None


def audit_events(engine: Engine, team_id: str, *, result: str | None = None) -> list[AuditRow]:
    """The team's audit events, oldest first, optionally only those with one result."""
    with read_session(engine) as session:
        rows = list_audit_events(session=session, team_id=team_id, limit=1000)
        found = [AuditRow(r.actor, r.action, r.result, r.arguments, r.detail)
                 for r in reversed(rows)]
    return [row for row in found if result is None or row.result == result]



def add_licenses(engine: Engine, clock: Clock, *, account_id: int, count: int) -> None:
    """Give `count` made-up users a license, generated inside the database (200,000 rows in well
    under a second, for the recommendation table's top rows)."""
    statement = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        "INSERT INTO licenses (account_id, slack_user_id, email, sku, assigned_by, assigned_at) "
        "SELECT :account_id, 'UGEN' || i, 'user' || i || '@contoso.example', 'MCOPSTNC', "
        "'test', :now FROM n").bindparams(bindparam("now", type_=UTCDateTime()))
    if count > 0:
        with write_transaction(engine) as session:
            session.execute(statement, {"count": count, "account_id": account_id,
                                        "now": clock.now()})


_call_keys = itertools.count(1)


def add_call(engine: Engine, account_id: int, *, at: datetime, seconds: int, charge: str,
             user: str | None = "alice@contoso.example", name: str | None = "Alice",
             number: str | None = "+442075908301", destination: str | None = "United Kingdom",
             country: str | None = "GB", **extra: Any) -> str:
    """Store one call record as the importer does (without its ledger charge); its key."""
    key = f"factory-{next(_call_keys)}"
    with write_transaction(engine) as session:
        session.add(CallRecord(account_id=account_id, record_key=key, source="cdr",
                               call_id=key, user_upn=user, user_name=name,
                               destination_number=number, destination_name=destination,
                               country=country, start_at=at, duration_seconds=seconds,
                               charge_micros=to_micros(Decimal(charge)), imported_at=at,
                               **extra))
        add_to_rollup(session, account_id, [(at, to_micros(Decimal(charge)), seconds)])
    return key


def add_to_rollup(session: Session, account_id: int,
                  calls: list[tuple[datetime, int, int]]) -> None:
    """Add stored calls (start, charge micros, seconds) to the spend rollup, as the importer
    does in the same transaction."""
    spend_db.add_calls(session=session, account_id=account_id, calls=pl.DataFrame(
        calls, schema={"start_at": pl.Datetime("us", "UTC"), "charge_micros": pl.Int64,
                       "duration_seconds": pl.Int64}, orient="row"))


def account_view(*, balance: Decimal = Decimal(0), amount: Decimal | None = None,
                 below: Decimal | None = None, currency: str = "USD") -> AccountView:
    """An account snapshot for the pure Block Kit builders (no database); the amounts are in
    `currency`."""
    def money(value: Decimal | None) -> Money | None:
        return None if value is None else Money(value, currency)
    return AccountView(
        id=1, team_id="T1", name="Example", currency=currency, timezone="UTC", region="US",
        billing_region="US", billing_type="mosa", balance=Money(balance, currency), version=1,
        suspended=balance <= 0, suspended_at=None,
        autorecharge_enabled=amount is not None, autorecharge_amount=money(amount),
        autorecharge_below=money(below), alert_channel=None, payment=None)


def rollup_and_calls(engine: Engine, account_id: int, timezone: str = "UTC"
                     ) -> tuple[dict[Any, tuple[int, int, int]], dict[Any, tuple[int, int, int]]]:
    """The spend rollup of an account, and the same sums worked out from its call records by
    the local day of their start: {day: (spend micros, seconds, calls)} each."""
    zone = spend_db.zone(timezone)
    with read_session(engine) as session:
        rows = session.exec(select(SpendDay).where(
            SpendDay.account_id == account_id)).all()
        calls = session.exec(select(CallRecord).where(CallRecord.account_id == account_id)).all()
    rollup = {row.day: (row.spend_micros, row.seconds, row.calls) for row in rows}
    expected: dict[Any, tuple[int, int, int]] = {}
    for call in calls:
        spend, seconds, count = expected.get(call.start_at.astimezone(zone).date(), (0, 0, 0))
        expected[call.start_at.astimezone(zone).date()] = (
            spend + call.charge_micros, seconds + call.duration_seconds, count + 1)
    return rollup, expected
