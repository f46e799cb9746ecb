"""Microsoft's own material imports right (issue 8): Graph's four documented examples, the
export zip with Calling Plans, Direct Routing and parameters.json, both Calling Plans layouts,
the record's own license, odd numbers that carry their charge, calls from two sources."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot.accounts import Accounts
from bot.ledger import Ledger
from bot.money import Money
from bot.rates.deck import RateDeck
from bot.usage.formats.records import CALLING_PLAN, DIRECT_ROUTING
from bot.usage.formats.usage_file import open_usage
from bot.usage.importer import import_usage
from storage.db import read_session
from storage.ledger import list_entries
from storage.models import CallRecord
from tests import reads
from tests.factories import make_account
from tests.money import usd
from tests.samples import (
    DIRECT_ROUTING_CSV,
    DIRECT_ROUTING_ROWS,
    GRAPH_DR_EXAMPLES,
    GRAPH_PSTN_EXAMPLES,
    TEAMS_CSV,
    TEAMS_CSV_20,
    microsoft_export_zip,
)

SAMPLE_TOTAL = usd("20.65")
TEAMS_ROWS = 40


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock)


def run(engine, clock, source, **kwargs):
    kwargs.setdefault("licensed_emails", ())
    kwargs.setdefault("deck", RateDeck([]))
    return import_usage(engine, clock, source=source, team_id="T1",
                        ledger=Ledger(engine, clock), **kwargs)


def stored(engine, account) -> list[CallRecord]:
    with read_session(engine) as session:
        return reads.list_calls(session=session, account_id=account.id)


def balance(engine, clock) -> Money:
    return Accounts(engine, clock).get("T1").balance


# -- Graph's documented examples --------------------------------------------------------------

@pytest.mark.parametrize("example", GRAPH_PSTN_EXAMPLES, ids=lambda path: path.name)
def test_graphs_getpstncalls_examples_import_flagged_licensed_and_one_page_of_more(
        engine, clock, account, example):
    summary = run(engine, clock, example)
    assert (summary.rows, summary.new_calls, summary.rejected_count) == (1, 1, 0)
    assert summary.charged == usd(0) and summary.entries == ()
    # `+1234567890` fits no numbering plan: Microsoft's charge (0.00) is booked, flagged.
    assert summary.flagged_count == 1
    assert "'+1234567890' cannot be read" in summary.flagged[0].message
    assert str(summary.flagged[0]).startswith("record 1: ")
    # licenseCapability MCOPSTNU: a Calling Plan paid for it, nobody is "unlicensed".
    assert summary.unlicensed_calls == 0
    assert summary.more_pages
    [record] = stored(engine, account)
    assert record.licensed and record.route == CALLING_PLAN
    assert record.record_key == "9c4984c7-6c3c-427d-a30c-bd0b2eacee90"
    assert record.duration_seconds == 219 and record.destination_number is None


@pytest.mark.parametrize("example", GRAPH_DR_EXAMPLES, ids=lambda path: path.name)
def test_graphs_getdirectroutingcalls_examples_are_stored_uncharged_as_direct_routing(
        engine, clock, account, example):
    summary = run(engine, clock, example)
    assert (summary.rows, summary.new_calls, summary.rejected_count) == (1, 1, 0)
    assert summary.direct_routing == 1 and summary.charged == usd(0) and summary.more_pages
    assert summary.difference_count == 0 and summary.unlicensed_calls == 0
    [record] = stored(engine, account)
    assert (record.route, record.charge_micros, record.rated_micros) == (DIRECT_ROUTING, 0, None)
    assert record.call_id == "c98e1515-a937-4b81-b8a8-3992afde64e0"
    assert record.direction == "inbound" and record.duration_seconds == 5
    assert record.destination_number == "+12345678***"  # the caller, masked as Graph sends it
    assert balance(engine, clock) == usd(0)


def test_a_batch_with_no_good_row_after_a_good_one_imports_the_good_one(engine, clock,
                                                                      account):
    lines = TEAMS_CSV.read_text().splitlines()
    charge = lines[0].split(",").index("Charge")
    broken = [",".join(fields[:charge] + ["abc"] + fields[charge + 1:])
              for fields in (line.split(",") for line in lines[11:21])]
    text = "\n".join([*lines[:11], *broken]) + "\n"
    summary = run(engine, clock, text.encode(), batch_size=10)
    assert (summary.new_calls, summary.rejected_count) == (10, 10)
    assert [error.line for error in summary.rejected] == list(range(12, 22))
    assert len(stored(engine, account)) == 10


# -- the export zip, both Calling Plans layouts, Direct Routing CSV ----------------------------

def test_microsofts_export_zip_imports_calling_plans_and_direct_routing(engine, clock,
                                                                       account):
    summary = run(engine, clock, microsoft_export_zip())
    assert summary.rejected_count == 0
    assert summary.rows == TEAMS_ROWS + DIRECT_ROUTING_ROWS
    assert summary.new_calls == TEAMS_ROWS + DIRECT_ROUTING_ROWS
    assert summary.direct_routing == DIRECT_ROUTING_ROWS
    assert summary.charged == SAMPLE_TOTAL
    assert balance(engine, clock) == -SAMPLE_TOTAL
    records = stored(engine, account)
    direct = [record for record in records if record.route == DIRECT_ROUTING]
    assert len(direct) == DIRECT_ROUTING_ROWS and all(r.charge_micros == 0 for r in direct)
    by_key = {record.record_key: record for record in direct}
    failed = by_key["8d0b2f7e-3c55-4a8e-9a7b-1c2d3e4f5a6b"]  # a 487: no start, its invite time
    assert failed.start_at.isoformat().startswith("2026-10-03T11:00:00")
    assert failed.duration_seconds == 0 and failed.direction == "outbound"
    assert by_key["45a1da7c-9e97-481a-8a05-3fe19a9a77e0"].direction == "outbound"
    assert by_key["b7c6d5e4-f3a2-4b1c-9d8e-7f6a5b4c3d2e"].destination_number is None  # a name


def test_the_zip_again_charges_nothing(engine, clock, account):
    run(engine, clock, microsoft_export_zip())
    again = run(engine, clock, microsoft_export_zip())
    assert (again.new_calls, again.charged) == (0, usd(0))
    assert again.duplicates == TEAMS_ROWS + DIRECT_ROUTING_ROWS


@pytest.mark.parametrize("layout", [TEAMS_CSV, TEAMS_CSV_20], ids=["25-columns", "20-columns"])
def test_both_calling_plans_layouts_charge_the_same_read_by_column_name(engine, clock, account,
                                                                       layout):
    summary = run(engine, clock, microsoft_export_zip(layout))
    assert summary.charged == SAMPLE_TOTAL and summary.rejected_count == 0
    with read_session(engine) as session:
        licenses = set(session.exec(select(CallRecord.user_upn).where(
            CallRecord.route == CALLING_PLAN)).all())
    assert "alan.turing@contoso.example" in licenses


def test_a_direct_routing_csv_alone_is_read():
    with open_usage(DIRECT_ROUTING_CSV) as usage:
        calls = list(usage.calls())
    assert len(calls) == DIRECT_ROUTING_ROWS
    assert {call.route for call in calls} == {DIRECT_ROUTING}  # type: ignore[union-attr]


# -- the record's own license -----------------------------------------------------------------

def test_the_records_license_decides_and_only_records_without_one_use_the_list(engine, clock,
                                                                              account):
    rows = list(csv.reader(io.StringIO(TEAMS_CSV.read_text())))
    capability = rows[0].index("Capability")
    rows[1][capability] = "MCOPSTNU"  # a Calling Plan: charge 0 or not, it is licensed
    rows[2][capability] = ""  # no license field: the bot's list decides (and it is empty)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    summary = run(engine, clock, out.getvalue().encode())
    assert summary.unlicensed_calls == 1
    assert summary.unlicensed_users == ((rows[2][rows[0].index("UPN")], 1),)


# -- a record that carries its charge, with an odd number -------------------------------------

def test_a_charged_call_with_an_unreadable_number_is_booked_and_flagged(engine, clock, account):
    rows = list(csv.reader(io.StringIO(TEAMS_CSV.read_text())))
    header = rows[0]
    charges = [usd(row[header.index("Charge")]) + usd(row[header.index("Connection Fee")])
               for row in rows[1:4]]
    for row in rows[1:4]:
        row[header.index("Destination Number")] = "+1234567890"
    out = io.StringIO()
    csv.writer(out).writerows(rows[:4])
    summary = run(engine, clock, out.getvalue().encode())
    assert summary.rejected_count == 0 and summary.flagged_count == 3
    assert summary.charged == Money.total(charges, "USD")
    assert [flag.line for flag in summary.flagged] == [2, 3, 4]


# -- the same calls from two sources ----------------------------------------------------------

def cdr_of_teams_calls(shift: timedelta = timedelta(0)) -> bytes:
    """A PBX's CDR of the Teams sample's calls: the same Call ID and start (to the second)."""
    rows = list(csv.DictReader(io.StringIO(TEAMS_CSV.read_text())))
    out = io.StringIO()
    out.write("call_id,user,start,duration_seconds,destination_number,direction\n")
    for row in rows:
        if not row["Call ID"] or not row["Destination Number"].strip("*")[1:].isdigit():
            continue
        number = row["Destination Number"].replace("*", "5")
        direction = row["Call Direction"].lower()
        if direction == "inbound" and "toll" in row["Number Type"].lower():
            direction = "tollfree_inbound"
        start = datetime.fromisoformat(row["Start Time"][:19]) + shift
        out.write(f"{row['Call ID']},{row['UPN']},{start.isoformat()}Z,"
                  f"{row['Duration Seconds']},{number},{direction}\n")
    return out.getvalue().encode()


def test_the_same_calls_from_a_second_source_are_skipped_and_counted(engine, clock, account):
    from tests.bot.usage.test_importer import DECK_ROWS

    first = run(engine, clock, TEAMS_CSV)
    assert first.charged == SAMPLE_TOTAL
    cdr = cdr_of_teams_calls()
    count = cdr.count(b"\n") - 1
    second = run(engine, clock, cdr, deck=RateDeck(DECK_ROWS))
    assert second.other_source == count and second.new_calls == 0 and second.charged == usd(0)
    assert balance(engine, clock) == -SAMPLE_TOTAL
    with read_session(engine) as session:
        assert len(list_entries(session=session, account_id=account.id)) == 1
    # The other way round as well: the CDR first, then the Teams export of the same calls.
    other = make_account(engine, clock, team_id="T2")
    ledger = Ledger(engine, clock)
    import_usage(engine, clock, source=cdr, team_id="T2", deck=RateDeck(DECK_ROWS),
                 licensed_emails=(), ledger=ledger)
    teams = import_usage(engine, clock, source=TEAMS_CSV, team_id="T2", deck=RateDeck([]),
                         licensed_emails=(), ledger=ledger)
    assert teams.other_source == count and teams.new_calls == TEAMS_ROWS - count
    assert len(stored(engine, other)) == TEAMS_ROWS


def test_a_call_id_at_another_time_is_another_call(engine, clock, account):
    from tests.bot.usage.test_importer import DECK_ROWS

    run(engine, clock, TEAMS_CSV)
    near = run(engine, clock, cdr_of_teams_calls(timedelta(seconds=1)), deck=RateDeck(DECK_ROWS))
    assert near.new_calls == 0 and near.other_source > 0  # a PBX that rounds: the same call
    later = run(engine, clock, cdr_of_teams_calls(timedelta(minutes=5)), deck=RateDeck(DECK_ROWS))
    assert later.other_source == 0 and later.new_calls == near.other_source


def test_the_export_marks_direct_routing_calls(engine, clock, account):
    from bot.usage.reports import UsageReports

    run(engine, clock, microsoft_export_zip())
    reports = UsageReports(engine, clock)
    view = Accounts(engine, clock).get("T1")
    calls_file = reports.export(view, reports.period(view, "2026-10"))[0]
    rows = list(csv.DictReader(io.StringIO(calls_file.content.decode("utf-8-sig"))))
    routes = [row["Route"] for row in rows]
    assert routes.count(DIRECT_ROUTING) == DIRECT_ROUTING_ROWS
    assert routes.count(CALLING_PLAN) == TEAMS_ROWS
