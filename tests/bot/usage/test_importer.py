"""Importing usage: every sample charged to the cent, each call once, bad rows by line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import ROUND_CEILING, Decimal

import pytest

from bot.accounts import Accounts
from bot.errors import AccountNotFound
from bot.ledger import Ledger, check_balances
from bot.money import Money
from bot.rates.deck import RateDeck, RateRow
from bot.usage.formats.records import RowError
from bot.usage.formats.usage_file import open_usage
from bot.usage.importer import import_usage
from bot.usage.threads import read_ahead
from storage.db import read_session, write_transaction
from storage.ledger import list_entries
from storage.licenses import insert_license
from storage.models import CallRecord, License
from storage.units import from_micros
from tests import reads
from tests.factories import make_account
from tests.money import usd
from tests.samples import CDR_CSV, GRAPH_JSON, TEAMS_CSV

CDR_HEADER = "call_id,user,start,duration_seconds,destination_number,direction\n"


def rate(prefix: str, per_min: str, increments: tuple[int, int] = (60, 60), fee: str = "0",
         direction: str = "outbound", currency: str = "USD",
         since: date = date(2026, 1, 1)) -> RateRow:
    return RateRow(prefix=prefix, destination=f"+{prefix}", number_type="any",
                   direction=direction, rate_per_min=Decimal(per_min),
                   connection_fee=Decimal(fee), initial_increment=increments[0],
                   recurring_increment=increments[1], currency=currency, effective_from=since)


DECK_ROWS = [
    rate("1", "0.0200"),
    rate("44", "0.0300"),
    rate("447", "0.1200"),
    rate("49", "0.0220", (60, 6)),
    rate("4915", "0.1500", (1, 1), fee="0.0100"),
    rate("55", "0.0900"),
    rate("5511", "0.0850", (30, 6)),
    rate("91", "0.1100", fee="0.0100"),
    rate("33", "0.0250"),
    rate("81", "0.0710", (1, 1)),
    rate("1800", "0.0300", (60, 6), direction="tollfree_inbound"),
]


@pytest.fixture
def deck() -> RateDeck:
    return RateDeck(DECK_ROWS)


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock)


def run(engine, clock, source, deck=None, **kwargs):
    """`import_usage` into T1 through a ledger without hooks unless the test gives one: these
    are the importer's own rules (the app's UsageImporter charges through the hooked ledger)."""
    kwargs.setdefault("licensed_emails", ())
    kwargs.setdefault("ledger", Ledger(engine, clock))
    return import_usage(engine, clock, source=source, team_id="T1",
                        deck=deck if deck is not None else RateDeck(DECK_ROWS), **kwargs)


def balance(engine, clock) -> Money:
    return Accounts(engine, clock).get("T1").balance


def records(engine, account) -> list[CallRecord]:
    with read_session(engine) as session:
        return reads.list_calls(session=session, account_id=account.id)


def assert_books_balance(engine) -> None:
    with read_session(engine) as session:
        _, problems = check_balances(session)
    assert problems == []


def charged_by_entry(engine, account) -> dict[int, int]:
    totals: dict[int, int] = {}
    for record in records(engine, account):
        if record.ledger_entry_id is not None:
            totals[record.ledger_entry_id] = (totals.get(record.ledger_entry_id, 0)
                                              + record.charge_micros)
    return totals


# -- the samples, to the cent ---------------------------------------------------------------

def test_the_teams_export_charges_exactly_20_65(engine, clock, account):
    summary = run(engine, clock, TEAMS_CSV, batch_size=15)
    assert summary.charged == usd("20.65")
    assert (summary.rows, summary.new_calls, summary.duplicates) == (40, 40, 0)
    assert summary.rejected == () and summary.ok
    assert balance(engine, clock) == usd("-20.65")
    stored = records(engine, account)
    assert len(stored) == 40
    assert sum(record.charge_micros for record in stored) == 20_650_000
    assert all(record.source == "teams" and record.currency == "USD" for record in stored)
    # One charge entry per batch, for exactly the sum of the calls that point at it.
    with read_session(engine) as session:
        entries = list_entries(session=session, account_id=account.id, kinds=["charge"])
    assert len(entries) == 3 == len(summary.entries)
    by_entry = charged_by_entry(engine, account)
    assert {entry.id: -entry.amount_micros for entry in entries} == by_entry
    assert_books_balance(engine)


def graph_total() -> Money:
    document = json.loads(GRAPH_JSON.read_text(), parse_float=Decimal)
    return usd(sum((Decimal(row["charge"]) + Decimal(row["connectionCharge"] or 0)
                    for row in document["value"]), Decimal(0)))


def test_the_graph_json_charges_its_own_total(engine, clock, account):
    summary = run(engine, clock, GRAPH_JSON)
    assert summary.charged == graph_total()
    assert summary.new_calls == 40 and summary.format == "graph"
    assert balance(engine, clock) == -graph_total()
    assert_books_balance(engine)


@pytest.mark.parametrize("first, second", [(TEAMS_CSV, GRAPH_JSON), (GRAPH_JSON, TEAMS_CSV)])
def test_the_same_calls_from_teams_and_graph_are_charged_once(engine, clock, account, first,
                                                              second):
    one = run(engine, clock, first)
    two = run(engine, clock, second)
    assert one.new_calls == 40 and two.new_calls == 0 and two.duplicates == 40
    assert two.charged == usd(0) and two.entries == ()
    assert balance(engine, clock) == -one.charged
    assert len(records(engine, account)) == 40


def test_the_teams_zip_charges_what_its_csv_charges(engine, clock, account, tmp_path):
    path = tmp_path / "Export.callingplans.20261101.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Export.callingplans.20261101.csv", TEAMS_CSV.read_bytes())
    summary = run(engine, clock, path)
    assert summary.charged == usd("20.65") and summary.new_calls == 40


def by_hand(number: str, seconds: int) -> Decimal:
    """The deck's price of one call, worked out independently of the code under test."""
    digits = number.lstrip("+")
    row = max((r for r in DECK_ROWS if r.direction == "outbound" and digits.startswith(r.prefix)),
              key=lambda r: len(r.prefix))
    if seconds == 0:
        return Decimal(0)
    billed = row.initial_increment
    while billed < seconds:
        billed += row.recurring_increment
    cost = row.rate_per_min * billed / 60 + row.connection_fee
    return cost.quantize(Decimal("0.0001"), rounding=ROUND_CEILING)


def test_the_cdr_sample_is_rated_against_the_deck(engine, clock, account, deck):
    summary = run(engine, clock, CDR_CSV, deck=deck, batch_size=10)
    charges = {record.record_key: from_micros(record.charge_micros)
               for record in records(engine, account)}
    # A few calls priced by hand: 2 min at 0.03; 31 s billed 60 on 60/6; 60 min on 30/6 at
    # 0.085; 59 s per second at 0.15 plus a 0.01 fee; 61 s billed 120 plus fee; 0 s is free;
    # 31 s per second at 0.071 = 0.036683… rounded up.
    assert charges["cdr-7-0"] == Decimal("0.06")
    assert charges["cdr-7-1"] == Decimal("0.022")
    assert charges["cdr-7-2"] == Decimal("5.1")
    assert charges["cdr-7-11"] == Decimal("0.1575")
    assert charges["cdr-7-3"] == Decimal("0.23")
    assert charges["cdr-7-15"] == Decimal("0")
    assert charges["cdr-7-21"] == Decimal("0.0367")
    with CDR_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    expected = usd(sum((by_hand(row["destination_number"], int(row["duration_seconds"]))
                        for row in rows), Decimal(0)))
    assert {key: by_hand(row["destination_number"], int(row["duration_seconds"]))
            for key, row in ((row["call_id"], row) for row in rows)} == charges
    assert summary.charged == expected and summary.new_calls == 32
    assert balance(engine, clock) == -expected
    assert all(record.rated_micros == record.charge_micros
               and record.provider_charge_micros is None for record in records(engine, account))
    assert_books_balance(engine)


# -- rejected rows, and importing the corrected file ------------------------------------------

def with_bad_rows() -> tuple[bytes, dict[int, Money]]:
    """The Teams sample with three broken rows, and what those rows would have charged."""
    lines = TEAMS_CSV.read_text().splitlines()
    broken: dict[int, Money] = {}
    for number, column, value in ((4, 19, "n/a"), (9, 17, "-60"), (21, 15, "2026-13-45")):
        fields = lines[number - 1].split(",")
        broken[number] = usd(fields[19]) + usd(fields[18])
        fields[column] = value
        lines[number - 1] = ",".join(fields)
    return ("\n".join(lines) + "\n").encode(), broken


def test_bad_rows_are_rejected_by_line_and_the_corrected_file_charges_only_the_rest(
        engine, clock, account):
    data, broken = with_bad_rows()
    first = run(engine, clock, data, batch_size=8)
    assert [error.line for error in first.rejected] == [4, 9, 21]
    assert first.rejected_count == 3 and not first.ok
    assert first.charged == usd("20.65") - Money.total(broken.values(), "USD")
    assert first.new_calls == 37
    second = run(engine, clock, TEAMS_CSV, batch_size=8)
    assert second.new_calls == 3 and second.duplicates == 37
    assert second.charged == Money.total(broken.values(), "USD")
    assert balance(engine, clock) == usd("-20.65")
    assert len(records(engine, account)) == 40
    assert_books_balance(engine)


def test_importing_the_same_file_twice_charges_once(engine, clock, account, deck):
    first = run(engine, clock, CDR_CSV, deck=deck)
    again = run(engine, clock, CDR_CSV, deck=deck)
    assert again.charged == usd(0) and again.new_calls == 0 and again.duplicates == 32
    assert balance(engine, clock) == -first.charged
    assert len(records(engine, account)) == 32


def test_a_key_twice_in_one_file_is_charged_once(engine, clock, account, deck):
    text = CDR_HEADER + ("x1,a@x.example,2026-10-01T07:00:00Z,60,+442075908301,outbound\n"
                         "x1,a@x.example,2026-10-01T07:00:00Z,60,+442075908301,outbound\n"
                         "x2,a@x.example,2026-10-01T07:05:00Z,60,+442075908301,outbound\n")
    summary = run(engine, clock, text.encode(), deck=deck, batch_size=1)
    assert (summary.new_calls, summary.duplicates, summary.charged) == (2, 1, usd("0.06"))
    summary = run(engine, clock, text.encode(), deck=deck, batch_size=10)
    assert (summary.new_calls, summary.duplicates, summary.charged) == (0, 3, usd(0))


def test_cdr_calls_without_a_rate_are_rejected_and_the_others_charged(engine, clock, account):
    deck = RateDeck([row for row in DECK_ROWS if row.prefix != "33"])
    summary = run(engine, clock, CDR_CSV, deck=deck)
    assert [str(error) for error in summary.rejected] == [
        "line 8: no rate for +33173535555 (outbound) on 2026-10-01"]
    assert summary.new_calls == 31


def test_with_a_deck_in_another_currency_cdr_calls_cannot_be_rated(engine, clock, account):
    deck = RateDeck([rate("44", "0.03", currency="EUR")])
    summary = run(engine, clock, CDR_CSV, deck=deck)
    assert summary.new_calls == 0 and summary.rejected_count == 32
    assert summary.rejected[0].message.endswith(
        "the rate deck is in EUR, the account in USD")


def test_rows_in_another_currency_than_the_accounts_are_rejected(engine, clock, account):
    lines = TEAMS_CSV.read_text().splitlines()
    lines[2] = lines[2].replace(",USD,", ",EUR,")
    summary = run(engine, clock, ("\n".join(lines) + "\n").encode())
    assert summary.rejected == (RowError(3, "currency EUR differs from the account's USD"),)
    assert summary.new_calls == 39


def test_an_unknown_team_is_refused(engine, clock):
    with pytest.raises(AccountNotFound):
        run(engine, clock, TEAMS_CSV)


# -- flags and reconciliation ---------------------------------------------------------------

def test_calls_without_a_license_field_are_checked_against_the_license_list(engine, clock,
                                                                           account, deck):
    with write_transaction(engine) as session:
        insert_license(session=session, license=License(
            account_id=account.id, slack_user_id="U1", email="Alan.Turing@contoso.example",
            assigned_at=clock.now()))
    # A CDR carries no license of its own: the bot's license list decides.
    summary = import_usage(engine, clock, source=CDR_CSV, team_id="T1", deck=deck,
                           ledger=Ledger(engine, clock))
    assert summary.rejected_count == 0
    stored = records(engine, account)
    alan = [r for r in stored if r.user_upn == "alan.turing@contoso.example"]
    assert alan and all(record.licensed for record in alan)
    others = [r for r in stored if r.user_upn != "alan.turing@contoso.example"]
    assert not any(record.licensed for record in others)
    assert summary.unlicensed_calls == len(others)
    assert "alan.turing@contoso.example" not in dict(summary.unlicensed_users)
    assert sum(count for _, count in summary.unlicensed_users) == len(others)


def test_charges_that_differ_from_the_deck_are_listed_for_reconciliation(engine, clock,
                                                                          account, deck):
    summary = run(engine, clock, TEAMS_CSV, deck=deck)
    with open_usage(TEAMS_CSV) as usage:
        calls = list(usage.calls())
    listed = {difference.record_key: difference for difference in summary.differences}
    checked = 0
    for call in calls:
        priced = deck.price(call.destination_number, call.start, call.duration_seconds,
                            call.direction)
        if priced is None or priced.cost == usd(call.provider_total):
            assert call.record_key not in listed
            continue
        checked += 1
        difference = listed[call.record_key]
        assert (difference.charged, difference.deck_price) == (usd(call.provider_total),
                                                               priced.cost)
        assert difference.line == call.line
    assert checked == summary.difference_count == len(listed) > 0
    assert summary.difference_total == Money.total((d.difference for d in listed.values()), "USD")
    # The provider's charge is what is charged, whatever the deck says.
    assert summary.charged == usd("20.65")


# -- batches: one transaction, one charge, one key each -----------------------------------------

def test_each_batch_posts_one_charge_keyed_by_its_new_calls(engine, clock, account):
    summary = run(engine, clock, TEAMS_CSV, batch_size=7)
    assert len(summary.entries) == 6
    keys_by_entry: dict[int, list[str]] = {}
    for record in records(engine, account):
        assert record.ledger_entry_id is not None
        keys_by_entry.setdefault(record.ledger_entry_id, []).append(record.record_key)
    with read_session(engine) as session:
        entries = list_entries(session=session, account_id=account.id, kinds=["charge"])
    for entry in entries:
        digest = hashlib.sha256("\n".join(sorted(keys_by_entry[entry.id])).encode()).hexdigest()
        assert entry.idempotency_key == f"import:{account.id}:{digest}"


def test_a_batch_of_free_calls_posts_no_entry(engine, clock, account, deck):
    text = CDR_HEADER + ("f1,a@x.example,2026-10-01T07:00:00Z,0,+442075908301,outbound\n"
                         "f2,a@x.example,2026-10-01T07:05:00Z,0,+442075908301,outbound\n")
    summary = run(engine, clock, text.encode(), deck=deck)
    assert summary.new_calls == 2 and summary.charged == usd(0) and summary.entries == ()
    assert [record.ledger_entry_id for record in records(engine, account)] == [None, None]


def test_hooks_run_in_the_batch_transaction_and_a_failure_rolls_the_batch_back(engine, clock,
                                                                              account):
    seen = []

    def hook(session, posting):
        assert session.in_transaction()
        seen.append(posting)
        if len(seen) == 2:
            raise RuntimeError("alerting broke")

    with pytest.raises(RuntimeError, match="alerting broke"):
        run(engine, clock, TEAMS_CSV, batch_size=10, ledger=Ledger(engine, clock, hooks=[hook]))
    stored = records(engine, account)
    assert len(stored) == 10  # the first batch; nothing of the second
    assert balance(engine, clock) == seen[0].amount
    summary = run(engine, clock, TEAMS_CSV, batch_size=10)
    assert summary.new_calls == 30 and summary.duplicates == 10
    assert balance(engine, clock) == usd("-20.65")
    assert_books_balance(engine)


def test_progress_is_reported_after_each_batch(engine, clock, account):
    reports = []
    run(engine, clock, TEAMS_CSV, batch_size=16,
        progress=lambda done, total: reports.append((done, total)))
    assert reports == [(16, 40), (32, 40), (40, 40)]


def test_a_file_object_can_be_imported(engine, clock, account):
    summary = run(engine, clock, io.BytesIO(TEAMS_CSV.read_bytes()), name="upload.csv")
    assert summary.charged == usd("20.65") and summary.name == "upload.csv"


# -- reading ahead -----------------------------------------------------------------------------

def test_read_ahead_yields_everything_in_order():
    assert list(read_ahead(iter(range(50)))) == list(range(50))


def test_read_ahead_raises_the_producers_error_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("bad batch")

    seen = []
    with pytest.raises(ValueError, match="bad batch"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_closing_read_ahead_stops_the_producer():
    produced = []

    def items():
        for number in range(1_000):
            produced.append(number)
            yield number

    reader = read_ahead(items())
    assert next(reader) == 0
    reader.close()
    assert len(produced) <= 3  # the one taken, the one waiting, and at most one more
