"""The spend rollup (`spend_days`) always equals the sum of the account's call records by the
local day the calls started: after imports, re-imports, a killed import (test_import_resume),
a change of time zone, and when the migration builds it from existing records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.accounts import Accounts
from bot.ledger import Ledger
from bot.rates.deck import RateDeck
from bot.usage.importer import import_usage
from storage.db import make_engine
from storage.migrate import alembic_config, upgrade
from tests.bot.usage.test_importer import rate
from tests.factories import make_account, rollup_and_calls

DECK = RateDeck([rate("44", "0.0300"), rate("49", "0.0220", (60, 6))])
OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


def cdr(count: int, *, first: int = 0) -> bytes:
    """Calls every 7 hours 13 minutes from 1 October (so many start near midnight)."""
    lines = ["call_id,user,start,duration_seconds,destination_number,direction"]
    for index in range(first, first + count):
        start = OCTOBER + timedelta(minutes=433 * index)
        number = "+442075908301" if index % 2 else "+493019482555"
        lines.append(f"call-{index},u{index % 5}@contoso.example,"
                     f"{start:%Y-%m-%dT%H:%M:%SZ},{30 + index * 7 % 400},{number},outbound")
    return ("\n".join(lines) + "\n").encode()


def run(engine, clock, source: bytes, batch_size: int = 40):
    return import_usage(engine, clock, source=source, team_id="T1", deck=DECK,
                        licensed_emails=(), ledger=Ledger(engine, clock), batch_size=batch_size,
                        name="calls.csv")


def test_imports_and_reimports_keep_the_rollup_equal_to_the_call_records(engine, clock):
    account = make_account(engine, clock)
    first = run(engine, clock, cdr(100))
    again = run(engine, clock, cdr(100))  # nothing new: the rollup must not grow
    more = run(engine, clock, cdr(60, first=80))  # 20 known, 40 new
    assert (first.new_calls, again.new_calls, more.new_calls) == (100, 0, 40)
    rollup, expected = rollup_and_calls(engine, account.id)
    assert rollup == expected and sum(calls for _, _, calls in rollup.values()) == 140
    assert sum(spend for spend, _, _ in rollup.values()) == -(
        Accounts(engine, clock).get("T1").balance.micros)


def test_the_rollup_counts_days_in_the_accounts_time_zone_and_follows_a_change(engine, clock):
    account = make_account(engine, clock)
    Accounts(engine, clock).update("T1", timezone="Asia/Kolkata")  # UTC+05:30
    run(engine, clock, cdr(50))
    rollup, expected = rollup_and_calls(engine, account.id, "Asia/Kolkata")
    assert rollup == expected
    assert rollup != rollup_and_calls(engine, account.id, "UTC")[1]  # the zone matters here
    Accounts(engine, clock).update("T1", timezone="America/Los_Angeles")
    rollup, expected = rollup_and_calls(engine, account.id, "America/Los_Angeles")
    assert rollup == expected


def test_the_migration_builds_the_rollup_from_existing_call_records(db_url, clock):
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision("0007_spend_rollup").down_revision
    engine = make_engine(db_url)
    try:
        upgrade(engine, str(before))
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO accounts (id, team_id, name, currency, timezone, region, "
                "billing_region, billing_type, balance_micros, version, suspended, "
                "autorecharge_enabled, zero_alerted, runout_alerted, created_at) VALUES "
                "(1, 'T1', '', 'USD', 'Europe/Berlin', 'US', 'US', 'mosa', 0, 0, false, "
                "false, false, false, :now)"), {"now": OCTOBER.replace(tzinfo=None)})
            for index, (hour, charge) in enumerate([(22, 1_500_000), (23, 250_000),
                                                    (10, 4_000_000)]):
                connection.execute(text(
                    "INSERT INTO call_records (account_id, record_key, source, direction, "
                    "start_at, duration_seconds, charge_micros, currency, licensed, "
                    "imported_at) VALUES (1, :key, 'cdr', 'outbound', :start, 60, :charge, "
                    "'USD', true, :start)"),
                    {"key": f"k{index}", "charge": charge,
                     "start": datetime(2026, 10, 1 + index // 2, hour)})
        upgrade(engine)
        rollup, expected = rollup_and_calls(engine, 1, "Europe/Berlin")
        # 22:00 and 23:00 UTC on 1 October are already the 2nd in Berlin (UTC+2).
        assert rollup == expected == {date(2026, 10, 2): (5_750_000, 180, 3)}
    finally:
        engine.dispose()
