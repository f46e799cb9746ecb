"""The console's demo usage: plausible, stable, and all priced by the bundled sample deck."""

from collections import Counter

from bot.console.demo import demo_calls_csv
from bot.rates.store import ensure_sample_deck
from storage.db import read_session
from tests import reads
from tests.factories import make_account
from tests.imports import app_importer
from tests.money import usd


def test_the_same_day_gives_the_same_calls(clock):
    assert demo_calls_csv(clock.now()) == demo_calls_csv(clock.now())
    lines = demo_calls_csv(clock.now()).decode().splitlines()
    assert lines[0] == "call_id,user,start,duration_seconds,destination_number,direction"
    assert len(lines) > 100


def test_every_demo_call_is_rated_named_and_charged_once(sqlite_engine, clock):
    ensure_sample_deck(sqlite_engine, now=clock.now())
    account = make_account(sqlite_engine, clock)
    source = demo_calls_csv(clock.now())
    importer = app_importer(sqlite_engine, clock)
    first = importer.run(source, account_id=account.id)
    assert first.rejected_count == 0 and first.new_calls == len(source.splitlines()) - 1
    assert first.charged.is_positive
    again = importer.run(source, account_id=account.id)
    assert again.new_calls == 0 and again.charged == usd(0)
    with read_session(sqlite_engine) as session:
        calls = reads.list_calls(session=session, account_id=account.id)
    names = Counter(call.destination_name for call in calls)
    # A CDR carries no destination name: the deck's name of the matched prefix is kept.
    assert None not in names and any(name.startswith("United Kingdom") for name in names)
