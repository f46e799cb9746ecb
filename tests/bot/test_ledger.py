"""The ledger's rules (DESIGN §4) on both engines: lots, FIFO, debt, expiry, suspension, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot import ledger as ledger_rules
from bot.errors import IdempotencyConflict
from bot.ledger import Ledger, Posting, check_balances
from bot.money import CurrencyMismatch
from storage import ledger as entries_db
from storage.accounts import get_account_by_id
from storage.db import read_session, write_transaction
from storage.models import Account, AuditEvent, LedgerEntry, Lot
from storage.units import from_micros, to_micros
from tests.conftest import START
from tests.factories import make_account
from tests.money import eur, usd

D = Decimal


def lots_of(engine, account_id: int) -> list[Lot]:
    with read_session(engine) as session:
        return list(session.exec(select(Lot).where(Lot.account_id == account_id)
                                 .order_by(col(Lot.id))).all())


def remaining(engine, account_id: int) -> list[Decimal]:
    return [from_micros(lot.remaining_micros) for lot in lots_of(engine, account_id)]


def account_row(engine, account_id: int) -> Account:
    with read_session(engine) as session:
        found = get_account_by_id(session=session, account_id=account_id)
        assert found is not None
        return found


def entries_of(engine, account_id: int) -> list[LedgerEntry]:
    with read_session(engine) as session:
        return list(reversed(entries_db.list_entries(session=session, account_id=account_id)))


def books_are_clean(engine) -> bool:
    with read_session(engine) as session:
        _, problems = check_balances(session)
    return problems == []


# --- deposits and lots ----------------------------------------------------------------------

def test_deposit_creates_a_lot_that_expires_exactly_twelve_months_later(engine, clock):
    account = make_account(engine, clock)
    posting = Ledger(engine, clock).deposit(account_id=account.id, amount=usd("100.25"),
                                            key="d1", actor="U1", memo="first")
    assert posting.applied and posting.kind == "deposit"
    assert (posting.amount, posting.balance_before, posting.balance_after) == (
        usd("100.25"), usd("0"), usd("100.25"))
    assert posting.account_version == 1 and posting.created_at == START
    [lot] = lots_of(engine, account.id)
    assert lot.entry_id == posting.entry_id
    assert lot.purchased_micros == lot.remaining_micros == 100_250_000
    assert lot.purchased_at == START
    assert lot.expires_at == datetime(2027, 11, 2, 9, 0, tzinfo=UTC)
    assert account_row(engine, account.id).balance_micros == 100_250_000
    assert books_are_clean(engine)


def test_lot_bought_on_a_leap_day_expires_on_the_last_day_of_february(engine, clock):
    account = make_account(engine, clock)
    clock.set(datetime(2028, 2, 29, 15, 30, tzinfo=UTC))
    Ledger(engine, clock).deposit(account_id=account.id, amount=usd("10"), key="d", actor="U1")
    [lot] = lots_of(engine, account.id)
    assert lot.expires_at == datetime(2029, 2, 28, 15, 30, tzinfo=UTC)


def test_recharge_is_a_purchase_and_other_kinds_are_not(engine, clock):
    account = make_account(engine, clock)
    ledger = Ledger(engine, clock)
    posting = ledger.deposit(account_id=account.id, amount=usd("40"), key="r1", actor="system",
                             kind="recharge")
    assert posting.kind == "recharge"
    assert remaining(engine, account.id) == [D("40")]
    with pytest.raises(ValueError, match="not a purchase"):
        ledger.deposit(account_id=account.id, amount=usd("40"), key="r2", actor="x", kind="charge")


def test_charges_draw_on_lots_first_in_first_out(engine, clock):
    account = make_account(engine, clock)
    ledger = Ledger(engine, clock)
    for key, amount in (("a", "100"), ("b", "50"), ("c", "30")):
        ledger.deposit(account_id=account.id, amount=usd(amount), key=key, actor="U1")
        clock.advance(timedelta(days=1))
    ledger.charge(account_id=account.id, amount=usd("120.0001"), key="c1", actor="import")
    assert remaining(engine, account.id) == [D("0"), D("29.9999"), D("30")]
    ledger.charge(account_id=account.id, amount=usd("39.9999"), key="c2", actor="import")
    assert remaining(engine, account.id) == [D("0"), D("0"), D("20")]
    assert account_row(engine, account.id).balance_micros == to_micros(D("20"))
    assert books_are_clean(engine)


def test_fifo_follows_the_purchase_time_not_the_insertion_order(engine, clock):
    account = make_account(engine, clock)
    with write_transaction(engine) as session:
        ledger_rules.deposit(session, account_id=account.id, amount=usd("10"), key="late",
                             actor="U1", now=START + timedelta(days=5))
        ledger_rules.deposit(session, account_id=account.id, amount=usd("10"), key="early",
                             actor="U1", now=START + timedelta(days=1))
    with write_transaction(engine) as session:
        ledger_rules.charge(session, account_id=account.id, amount=usd("4"), key="c",
                            actor="import", now=START + timedelta(days=6))
    # Lots in insertion order: the later purchase first, untouched; the earlier one drawn on.
    assert remaining(engine, account.id) == [D("10"), D("6")]


def test_a_charge_larger_than_the_balance_is_taken_and_goes_negative(engine, clock):
    account = make_account(engine, clock, balance=D("100"))
    posting = Ledger(engine, clock).charge(account_id=account.id, amount=usd("150.5"), key="c",
                                           actor="import")
    assert posting.applied
    assert (posting.amount, posting.balance_before, posting.balance_after) == (
        usd("-150.5"), usd("100"), usd("-50.5"))
    assert account_row(engine, account.id).balance_micros == to_micros(D("-50.5"))
    assert remaining(engine, account.id) == [D("0")]
    assert books_are_clean(engine)


def test_a_deposit_into_debt_pays_the_debt_first(engine, clock):
    account = make_account(engine, clock, balance=D("100"))
    ledger = Ledger(engine, clock)
    ledger.charge(account_id=account.id, amount=usd("150"), key="c", actor="import")
    small = ledger.deposit(account_id=account.id, amount=usd("20"), key="d1", actor="U1")
    assert small.balance_after == usd("-30")
    assert remaining(engine, account.id) == [D("0")]  # no lot: all of it paid debt
    big = ledger.deposit(account_id=account.id, amount=usd("80"), key="d2", actor="U1")
    assert big.balance_after == usd("50")
    lots = lots_of(engine, account.id)
    assert [(lot.purchased_micros, lot.remaining_micros) for lot in lots[1:]] == [
        (80_000_000, 50_000_000)]
    assert books_are_clean(engine)


# --- expiry ---------------------------------------------------------------------------------

def test_expiry_takes_what_a_lot_still_holds_once_it_is_due(engine, clock):
    account = make_account(engine, clock)
    ledger = Ledger(engine, clock)
    ledger.deposit(account_id=account.id, amount=usd("100"), key="old", actor="U1")
    ledger.charge(account_id=account.id, amount=usd("30.25"), key="c", actor="import")
    clock.advance(timedelta(days=40))
    ledger.deposit(account_id=account.id, amount=usd("10"), key="new", actor="U1")
    [first, second] = lots_of(engine, account.id)

    clock.set(first.expires_at - timedelta(seconds=1))
    assert ledger.expire(account_id=account.id) == []
    assert len(entries_of(engine, account.id)) == 3

    clock.set(first.expires_at)
    [posting] = ledger.expire(account_id=account.id)
    assert posting.kind == "expiry" and posting.applied
    assert posting.amount == usd("-69.75")
    assert posting.balance_after == usd("10")
    assert posting.idempotency_key == f"expiry:lot:{first.id}"
    assert remaining(engine, account.id) == [D("0"), D("10")]
    [entry] = [e for e in entries_of(engine, account.id) if e.kind == "expiry"]
    assert entry.reference == f"lot:{first.id}" and entry.actor == "system"
    assert entry.memo is not None and "2026-11-02" in entry.memo

    clock.advance(timedelta(days=1))
    assert ledger.expire(account_id=account.id) == []  # run twice, expired once
    assert len(entries_of(engine, account.id)) == 4

    clock.set(second.expires_at + timedelta(days=3))  # late sweeps still expire
    [late] = ledger.expire(account_id=account.id)
    assert late.amount == usd("-10") and late.balance_after == usd("0")
    assert late.suspended_now
    assert account_row(engine, account.id).suspended
    assert books_are_clean(engine)


def test_a_used_up_lot_expires_without_an_entry(engine, clock):
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    ledger.charge(account_id=account.id, amount=usd("25"), key="c", actor="import")
    clock.advance(timedelta(days=400))
    assert ledger.expire(account_id=account.id) == []
    assert account_row(engine, account.id).balance_micros == to_micros(D("-15"))


# --- suspension -----------------------------------------------------------------------------

def test_suspension_follows_the_balance_through_zero(engine, clock):
    account = make_account(engine, clock)
    assert account.suspended and account.suspended_at == START  # a new account holds nothing
    ledger = Ledger(engine, clock)

    up = ledger.deposit(account_id=account.id, amount=usd("100"), key="d1", actor="U1")
    assert up.resumed_now and not up.suspended_now and not up.suspended
    row = account_row(engine, account.id)
    assert not row.suspended and row.suspended_at is None

    clock.advance(timedelta(hours=3))
    to_zero = ledger.charge(account_id=account.id, amount=usd("100"), key="c1", actor="import")
    assert to_zero.balance_after == usd(0)
    assert to_zero.suspended_now and to_zero.suspended and not to_zero.resumed_now
    row = account_row(engine, account.id)
    assert row.suspended and row.suspended_at == START + timedelta(hours=3)

    clock.advance(timedelta(hours=1))
    below = ledger.charge(account_id=account.id, amount=usd("7.5"), key="c2", actor="import")
    assert below.suspended and not below.suspended_now  # it was suspended already
    assert account_row(engine, account.id).suspended_at == START + timedelta(hours=3)

    still = ledger.deposit(account_id=account.id, amount=usd("7.5"), key="d2", actor="U1")
    assert still.balance_after == usd(0) and still.suspended and not still.resumed_now

    back = ledger.deposit(account_id=account.id, amount=usd("0.01"), key="d3", actor="U1")
    assert back.resumed_now and not back.suspended
    row = account_row(engine, account.id)
    assert not row.suspended and row.suspended_at is None
    assert books_are_clean(engine)


# --- idempotency ----------------------------------------------------------------------------

def test_a_repeated_key_applies_nothing_and_returns_the_first_result(engine, clock):
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    first = ledger.deposit(account_id=account.id, amount=usd("100"), key="k", actor="U1")
    ledger.charge(account_id=account.id, amount=usd("3"), key="other", actor="import")
    clock.advance(timedelta(minutes=5))
    again = ledger.deposit(account_id=account.id, amount=usd("100"), key="k", actor="U2")
    assert first.applied and not again.applied
    assert again.entry_id == first.entry_id
    assert again.balance_before == first.balance_before == usd("10")
    assert again.balance_after == first.balance_after == usd("110")
    assert again.account_version == first.account_version
    assert again.created_at == first.created_at == START
    assert not again.resumed_now and not again.suspended_now
    row = account_row(engine, account.id)
    assert row.balance_micros == to_micros(D("107")) and row.version == 3
    assert len(lots_of(engine, account.id)) == 2


def test_a_repeated_charge_is_taken_once(engine, clock):
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    postings = [ledger.charge(account_id=account.id, amount=usd("10"), key="batch-1",
                              actor="import") for _ in range(3)]
    assert [p.applied for p in postings] == [True, False, False]
    assert all(p.suspended_now == (i == 0) for i, p in enumerate(postings))
    assert account_row(engine, account.id).balance_micros == 0


@pytest.mark.parametrize("change", ["amount", "kind", "account"])
def test_reusing_a_key_for_a_different_change_is_a_conflict(engine, clock, change):
    account = make_account(engine, clock)
    other = make_account(engine, clock, team_id="T2")
    ledger = Ledger(engine, clock)
    ledger.deposit(account_id=account.id, amount=usd("100"), key="k", actor="U1")
    with pytest.raises(IdempotencyConflict, match="'k'"):
        if change == "amount":
            ledger.deposit(account_id=account.id, amount=usd("100.01"), key="k", actor="U1")
        elif change == "kind":
            ledger.charge(account_id=account.id, amount=usd("100"), key="k", actor="U1")
        else:
            ledger.deposit(account_id=other.id, amount=usd("100"), key="k", actor="U1")
    assert account_row(engine, account.id).balance_micros == to_micros(D("100"))
    assert account_row(engine, other.id).version == 0


# --- adjustments and refused amounts --------------------------------------------------------

def test_adjustments_add_a_lot_or_draw_on_lots(engine, clock):
    account = make_account(engine, clock, balance=D("50"))
    ledger = Ledger(engine, clock)
    plus = ledger.adjust(account_id=account.id, amount=usd("25"), key="a1", actor="ops",
                         memo="goodwill")
    assert plus.kind == "adjustment" and plus.balance_after == usd("75")
    assert remaining(engine, account.id) == [D("50"), D("25")]
    minus = ledger.adjust(account_id=account.id, amount=usd("-60"), key="a2", actor="ops")
    assert minus.amount == usd("-60") and minus.balance_after == usd("15")
    assert remaining(engine, account.id) == [D("0"), D("15")]
    down = ledger.adjust(account_id=account.id, amount=usd("-15"), key="a3", actor="ops")
    assert down.suspended_now
    with pytest.raises(ValueError, match="zero"):
        ledger.adjust(account_id=account.id, amount=usd("0"), key="a4", actor="ops")
    assert books_are_clean(engine)


@pytest.mark.parametrize(("operation", "amount", "message"), [
    ("charge", "-5", "refund"),
    ("deposit", "-5", "positive"),
    ("deposit", "0", "positive"),
    ("deposit", "0.0000001", "micro-unit"),
    ("deposit", "10.0000004", "micro-unit"),
    ("charge", "1.0000005", "micro-unit"),
    ("adjust", "-0.0000001", "micro-unit"),
])
def test_refused_amounts_write_nothing(engine, clock, operation, amount, message):
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    with pytest.raises(ValueError, match=message):
        getattr(ledger, operation)(account_id=account.id, amount=usd(amount), key="bad",
                                   actor="U1")
    assert len(entries_of(engine, account.id)) == 1
    assert account_row(engine, account.id).balance_micros == to_micros(D("10"))


@pytest.mark.parametrize("operation", ["deposit", "charge", "adjust"])
@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_amounts_that_are_not_finite_cannot_reach_the_ledger(engine, clock, operation, amount):
    # Money refuses them when it is made, so no ledger operation can be handed one.
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    with pytest.raises(ValueError, match="finite"):
        getattr(ledger, operation)(account_id=account.id, amount=usd(amount), key="bad",
                                   actor="U1")
    assert len(entries_of(engine, account.id)) == 1
    assert account_row(engine, account.id).balance_micros == to_micros(D("10"))


@pytest.mark.parametrize("operation", ["deposit", "charge", "adjust"])
def test_money_in_another_currency_is_refused_and_writes_nothing(engine, clock, operation):
    account = make_account(engine, clock, balance=D("10"))
    ledger = Ledger(engine, clock)
    with pytest.raises(CurrencyMismatch, match="EUR posted to an account in USD"):
        getattr(ledger, operation)(account_id=account.id, amount=eur("5"), key="bad",
                                   actor="U1")
    assert len(entries_of(engine, account.id)) == 1
    assert account_row(engine, account.id).balance_micros == to_micros(D("10"))


def test_lots_are_shown_as_money_in_the_account_currency(engine, clock):
    account = make_account(engine, clock, balance=D("100"), currency="EUR")
    ledger = Ledger(engine, clock)
    ledger.charge(account_id=account.id, amount=eur("30.25"), key="c", actor="import")
    [lot] = ledger.lots(account_id=account.id)
    assert (lot.purchased, lot.remaining) == (eur("100"), eur("69.75"))
    assert lot.purchased_at == START and lot.expires_at == datetime(2027, 11, 2, 9, 0, tzinfo=UTC)


def test_micro_unit_amounts_are_kept_exactly(engine, clock):
    account = make_account(engine, clock, balance=D("1"))
    posting = Ledger(engine, clock).charge(account_id=account.id, amount=usd("0.000001"),
                                           key="c", actor="import")
    assert posting.balance_after == usd("0.999999")
    assert remaining(engine, account.id) == [D("0.999999")]


def test_an_unknown_account_is_an_error(engine, clock):
    with pytest.raises(LookupError):
        Ledger(engine, clock).deposit(account_id=999, amount=usd("1"), key="k", actor="U1")


# --- check_balances -------------------------------------------------------------------------

def _books(engine, clock) -> tuple[int, int]:
    """Two accounts with history: T1 positive over two lots, T2 in debt."""
    one = make_account(engine, clock, team_id="T1", balance=D("100"))
    two = make_account(engine, clock, team_id="T2", balance=D("5"))
    ledger = Ledger(engine, clock)
    ledger.deposit(account_id=one.id, amount=usd("50"), key="d", actor="U1")
    ledger.charge(account_id=one.id, amount=usd("20.1234"), key="c1", actor="import")
    ledger.charge(account_id=two.id, amount=usd("9"), key="c2", actor="import")
    return one.id, two.id


def test_check_balances_passes_good_books(engine, clock):
    _books(engine, clock)
    with read_session(engine) as session:
        assert check_balances(session) == (2, [])


@pytest.mark.parametrize(("corruption", "expected"), [
    ("UPDATE accounts SET balance_micros = balance_micros + 1 WHERE id = :id",
     ["balance 129.876601 != sum of entries 129.876600",
      "last entry says 129.876600, account says 129.876601",
      "lots hold 129.876600 but the positive balance is 129.876601"]),
    ("UPDATE ledger_entries SET amount_micros = amount_micros - 1000000 "
     "WHERE account_id = :id AND kind = 'deposit' AND idempotency_key = 'd'",
     ["balance 129.876600 != sum of entries 128.876600"]),
    ("UPDATE accounts SET version = version + 1 WHERE id = :id",
     ["version 4 != 3 entries"]),
    ("UPDATE lots SET remaining_micros = remaining_micros - 1 "
     "WHERE account_id = :id AND remaining_micros > 0",
     ["lots hold 129.876598 but the positive balance is 129.876600"]),
    ("UPDATE accounts SET suspended = :yes WHERE id = :id",
     ["suspension flag disagrees with balance"]),
])
def test_check_balances_reports_each_kind_of_mismatch(engine, clock, corruption, expected):
    first, _ = _books(engine, clock)
    with engine.begin() as connection:
        changed = connection.execute(text(corruption), {"id": first, "yes": True}).rowcount
    assert changed >= 1
    with read_session(engine) as session:
        checked, problems = check_balances(session)
    assert checked == 2
    assert {p.team_id for p in problems} == {"T1"}
    assert sorted(p.problem for p in problems) == sorted(expected)


def test_check_balances_reports_a_debtor_that_is_not_suspended(engine, clock):
    _, second = _books(engine, clock)
    with engine.begin() as connection:
        connection.execute(text("UPDATE accounts SET suspended = :no WHERE id = :id"),
                           {"id": second, "no": False})
    with read_session(engine) as session:
        _, problems = check_balances(session)
    assert [(p.team_id, p.problem) for p in problems] == [
        ("T2", "suspension flag disagrees with balance")]


def test_check_balances_reports_lots_held_by_a_debtor(engine, clock):
    _, second = _books(engine, clock)
    with engine.begin() as connection:
        connection.execute(text("UPDATE lots SET remaining_micros = 1 WHERE account_id = :id"),
                           {"id": second})
    with read_session(engine) as session:
        _, problems = check_balances(session)
    assert [(p.team_id, p.problem) for p in problems] == [
        ("T2", "lots hold 0.000001 but the positive balance is 0.000000")]


# --- the service's hooks --------------------------------------------------------------------

def test_hooks_run_inside_the_transaction_and_only_for_applied_postings(engine, clock):
    account = make_account(engine, clock)
    seen: list[tuple[Posting, int]] = []

    def hook(session, posting):
        # Inside the transaction: the new balance is visible, and what the hook writes commits
        # with the change.
        row = get_account_by_id(session=session, account_id=posting.account_id)
        assert row is not None
        seen.append((posting, row.balance_micros))
        session.add(AuditEvent(actor="hook", action=posting.kind, result="ok",
                               detail=posting.idempotency_key, created_at=clock.now()))

    ledger = Ledger(engine, clock, hooks=[hook])
    ledger.deposit(account_id=account.id, amount=usd("30"), key="d", actor="U1")
    ledger.deposit(account_id=account.id, amount=usd("30"), key="d", actor="U1")  # repeated
    ledger.charge(account_id=account.id, amount=usd("10"), key="c", actor="import")
    ledger.adjust(account_id=account.id, amount=usd("1"), key="a", actor="ops")
    clock.advance(timedelta(days=366))
    ledger.expire(account_id=account.id)
    lot_a, lot_b = (f"expiry:lot:{lot.id}" for lot in lots_of(engine, account.id))
    # Expiry hooks run once all of the sweep's expiries are written, so both see the end state.
    assert [(p.kind, p.idempotency_key, p.balance_after, balance) for p, balance in seen] == [
        ("deposit", "d", usd("30"), 30_000_000), ("charge", "c", usd("20"), 20_000_000),
        ("adjustment", "a", usd("21"), 21_000_000), ("expiry", lot_a, usd("1"), 0),
        ("expiry", lot_b, usd("0"), 0)]
    with read_session(engine) as session:
        details = [e.detail for e in session.exec(select(AuditEvent).order_by(
            col(AuditEvent.id))).all()]
    assert details == ["d", "c", "a", lot_a, lot_b]


def test_a_failing_hook_rolls_the_change_back(engine, clock):
    account = make_account(engine, clock)

    def hook(session, posting):
        session.add(AuditEvent(actor="hook", action="x", result="ok", created_at=clock.now()))
        raise RuntimeError("alert outbox is down")

    ledger = Ledger(engine, clock, hooks=[hook])
    with pytest.raises(RuntimeError, match="outbox"):
        ledger.deposit(account_id=account.id, amount=usd("30"), key="d", actor="U1")
    assert entries_of(engine, account.id) == []
    assert lots_of(engine, account.id) == []
    row = account_row(engine, account.id)
    assert row.balance_micros == 0 and row.version == 0 and row.suspended
    with read_session(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []
    # The key was not used up by the failed attempt.
    assert Ledger(engine, clock).deposit(account_id=account.id, amount=usd("30"), key="d",
                                         actor="U1").applied
