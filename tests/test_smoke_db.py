from decimal import Decimal

from bot.ledger import Ledger, check_balances
from storage.db import read_session
from tests.factories import make_account
from tests.money import usd


def test_deposit_and_charge_keep_the_books(engine, clock):
    account = make_account(engine, clock, balance=Decimal("100"))
    ledger = Ledger(engine, clock)
    posting = ledger.charge(account_id=account.id, amount=usd("30.5"), key="c1", actor="t")
    assert posting.balance_after == usd("69.5")
    with read_session(engine) as session:
        assert check_balances(session) == (1, [])
