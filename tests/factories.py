"""Row factories: accounts in known states."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from bot.accounts import Accounts, AccountView
from bot.clock import Clock
from bot.ledger import Ledger


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
        Ledger(engine, clock).deposit(account_id=account.id, amount=balance,
                                      key=f"seed:{team_id}", actor="test")
    return accounts.get(team_id)
