"""Usage summaries, exports (CSV, XLSX) and the report chart, on both databases."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from bot.accounts import Accounts
from bot.errors import CreditsError
from bot.ledger import Ledger
from bot.money import Money
from bot.usage.reports import (
    CALL_COLUMNS,
    UsageReports,
    chart_figure,
    minutes,
    neutralize,
    parse_grouping,
    render_chart,
)
from storage.db import read_session, write_transaction
from storage.models import CallRecord
from storage.units import to_micros
from tests.factories import add_to_rollup, make_account
from tests.imports import app_importer
from tests.money import usd

_keys = itertools.count(1)
OCT = datetime(2026, 10, 1, tzinfo=UTC)


def add_call(engine, account_id: int, *, at: datetime, seconds: int, charge: str,
             user: str | None = "alice@contoso.example", name: str | None = "Alice",
             number: str | None = "+442075908301", destination: str | None = "United Kingdom",
             country: str | None = "GB", **extra) -> None:
    """Write one call record the way the importer stores them."""
    key = next(_keys)
    with write_transaction(engine) as session:
        session.add(CallRecord(account_id=account_id, record_key=f"k{key}", source="cdr",
                               call_id=f"c{key}", user_upn=user, user_name=name,
                               destination_number=number, destination_name=destination,
                               country=country, start_at=at, duration_seconds=seconds,
                               charge_micros=to_micros(Decimal(charge)), imported_at=at,
                               **extra))
        add_to_rollup(session, account_id, [(at, to_micros(Decimal(charge)), seconds)])


@pytest.fixture
def reports(engine, clock) -> UsageReports:
    return UsageReports(engine, clock)


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock)


@pytest.fixture
def october(engine, clock, account):
    """A month of calls: alice (two spellings of her UPN), bob, one outside, another team's."""
    add_call(engine, account.id, at=OCT + timedelta(hours=7), seconds=120, charge="0.06")
    add_call(engine, account.id, at=OCT + timedelta(days=1, hours=8), seconds=61,
             charge="0.2212", user="Alice@Contoso.EXAMPLE", number="+4915104348555",
             destination="Germany", country="DE")
    add_call(engine, account.id, at=OCT + timedelta(days=1, hours=9), seconds=0, charge="0",
             number="+4930123456", destination="Germany", country="DE")
    add_call(engine, account.id, at=OCT + timedelta(days=30, hours=23, minutes=59), seconds=3600,
             charge="5.40", user="bob@contoso.example", name="Bob", number="+551119487574",
             destination="Brazil", country="BR", provider_charge_micros=5_400_000,
             rated_micros=5_400_000)
    add_call(engine, account.id, at=OCT - timedelta(seconds=1), seconds=60, charge="1.00")
    other = make_account(engine, clock, team_id="T2")
    add_call(engine, other.id, at=OCT + timedelta(days=2), seconds=60, charge="9.99")
    return account


def test_summary_totals_are_exact(reports, october):
    period = reports.period(october, "2026-10")
    summary = reports.summary(october, period)
    assert (summary.calls, summary.seconds) == (4, 120 + 61 + 0 + 3600)
    assert summary.spend == usd("5.6812")
    assert summary.minutes == Decimal("63.02")
    assert summary.currency == "USD" and summary.lines == ()


def test_one_users_summary_ignores_the_case_of_the_upn(reports, october):
    period = reports.period(october, "2026-10")
    alice = reports.summary(october, period, user="ALICE@contoso.example ")
    assert (alice.calls, alice.spend) == (3, usd("0.2812"))
    assert reports.summary(october, period, user="nobody@contoso.example").calls == 0


def test_usage_by_user(reports, october):
    summary = reports.summary(october, reports.period(october, "2026-10"), group_by="user")
    assert [(line.key, line.label, line.calls, line.seconds, line.spend)
            for line in summary.lines] == [
        ("bob@contoso.example", "Bob", 1, 3600, usd("5.40")),
        ("alice@contoso.example", "Alice", 3, 181, usd("0.2812"))]
    assert Money.total((line.spend for line in summary.lines), "USD") == summary.spend


def test_usage_by_destination(reports, october):
    summary = reports.summary(october, reports.period(october, "2026-10"),
                              group_by="destination")
    assert [(line.label, line.calls, line.spend) for line in summary.lines] == [
        ("Brazil", 1, usd("5.40")), ("Germany", 2, usd("0.2212")),
        ("United Kingdom", 1, usd("0.06"))]


def test_usage_by_day_is_zero_filled(reports, october):
    summary = reports.summary(october, reports.period(october, "2026-10"), group_by="day")
    assert len(summary.lines) == 31
    by_day = {line.key: line for line in summary.lines}
    assert (by_day["2026-10-01"].calls, by_day["2026-10-01"].spend) == (1, usd("0.06"))
    assert (by_day["2026-10-02"].calls, by_day["2026-10-02"].spend) == (2, usd("0.2212"))
    assert (by_day["2026-10-31"].calls, by_day["2026-10-31"].seconds) == (1, 3600)
    assert by_day["2026-10-15"].calls == 0 and by_day["2026-10-15"].spend == usd(0)
    assert Money.total((line.spend for line in summary.lines), "USD") == summary.spend


def test_days_are_the_accounts_calendar_days(engine, clock, reports):
    account = make_account(engine, clock, team_id="TB", timezone="Europe/Berlin")
    # 23:30 UTC on 31 October is 00:30 on 1 November in Berlin.
    add_call(engine, account.id, at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC), seconds=60,
             charge="0.10")
    november = reports.summary(account, reports.period(account, "2026-11"), group_by="day")
    assert november.calls == 1 and november.lines[0].calls == 1
    assert reports.summary(account, reports.period(account, "2026-10")).calls == 0


def test_minutes_and_groupings():
    assert minutes(61) == Decimal("1.02") and minutes(0) == Decimal("0.00")
    assert parse_grouping("by user") == "user"
    assert parse_grouping("by Destination") == "destination"
    assert parse_grouping("day") == "day"
    assert parse_grouping("") is None
    with pytest.raises(CreditsError, match="by user"):
        parse_grouping("by colour")


# --- exports -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+SUM(A1:A2)", "'+SUM(A1:A2)"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\rcmd", "'\rcmd"),
    ("+493019482***", "'+493019482***"), ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+442075908301", "+442075908301"), ("-0.06", "-0.06"), ("+1.5", "+1.5"),
    ("Alice", "Alice"), ("", ""), ("a=b", "a=b"),
])
def test_neutralize(value, expected):
    assert neutralize(value) == expected


@pytest.fixture
def booked(engine, clock, october):
    """October's calls plus ledger entries: a deposit, the imports' charges (one with a hostile
    memo), as the importer books them."""
    ledger = Ledger(engine, clock)
    clock.set(OCT - timedelta(seconds=1))  # September's last call, imported at once
    ledger.charge(account_id=october.id, amount=usd("1.00"), key="chg-0", actor="import",
                  reference="import:cdr")
    clock.set(OCT + timedelta(hours=1))
    ledger.deposit(account_id=october.id, amount=usd("100"), key="dep-1", actor="U1",
                   memo="=HYPERLINK(\"http://evil\")")
    clock.set(OCT + timedelta(days=3))
    ledger.charge(account_id=october.id, amount=usd("5.6812"), key="chg-1", actor="import",
                  memo="@batch", reference="import:cdr")
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    ledger.deposit(account_id=october.id, amount=usd("50"), key="dep-2", actor="U1")
    return october


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_of_calls_and_ledger(engine, reports, booked):
    period = reports.period(booked, "2026-10")
    calls_file, ledger_file = reports.export(booked, period, fmt="csv")
    assert calls_file.filename == "credits-T1-2026-10-01_2026-10-31-calls.csv"
    assert ledger_file.filename == "credits-T1-2026-10-01_2026-10-31-ledger.csv"
    assert calls_file.mime_type == "text/csv" and (calls_file.rows, ledger_file.rows) == (4, 2)
    calls = read_csv(calls_file.content)
    assert calls[0][0] == "Start (UTC)" and calls[0][1:] == list(CALL_COLUMNS[1:])
    assert len(calls) == 5
    first = dict(zip(calls[0], calls[1], strict=True))
    assert first["Start (UTC)"] == "2026-10-01 07:00:00"
    assert (first["User"], first["Destination number"], first["Duration (s)"]) == (
        "alice@contoso.example", "+442075908301", "120")
    assert (first["Charge"], first["Provider charge"], first["Licensed"]) == ("0.06", "", "yes")
    assert [row[9] for row in calls[1:]] == ["0.06", "0.2212", "0.00", "5.40"]
    assert sum(Decimal(row[9]) for row in calls[1:]) == Decimal("5.6812")
    ledger = read_csv(ledger_file.content)
    assert [row[2] for row in ledger[1:]] == ["deposit", "charge"]
    assert [row[3] for row in ledger[1:]] == ["100.00", "-5.6812"]
    assert [row[4] for row in ledger[1:]] == ["99.00", "93.3188"]
    assert ledger[1][6] == "'=HYPERLINK(\"http://evil\")"  # neutralised
    assert ledger[2][6] == "'@batch"


def test_csv_export_times_follow_the_account_zone(engine, clock, reports):
    account = make_account(engine, clock, team_id="TZ", timezone="Europe/Berlin")
    add_call(engine, account.id, at=datetime(2026, 10, 1, 7, 0, tzinfo=UTC), seconds=1,
             charge="0.01")
    (calls_file, _) = reports.export(account, reports.period(account, "2026-10"))
    rows = read_csv(calls_file.content)
    assert rows[0][0] == "Start (Europe/Berlin)" and rows[1][0] == "2026-10-01 09:00:00"


def test_a_members_export_holds_only_their_calls(reports, booked):
    files = reports.export(booked, reports.period(booked, "2026-10"), fmt="csv",
                           user="BOB@contoso.example")
    assert len(files) == 1
    rows = read_csv(files[0].content)
    assert [row[1] for row in rows[1:]] == ["bob@contoso.example"]


def test_xlsx_export(reports, booked, engine):
    add_call(engine, booked.id, at=OCT + timedelta(days=5), seconds=10, charge="0.0100",
             name="=cmd|' /C calc'!A0", number="+493019482***", destination="Germany")
    (workbook_file,) = reports.export(booked, reports.period(booked, "2026-10"), fmt="XLSX")
    assert workbook_file.filename == "credits-T1-2026-10-01_2026-10-31.xlsx"
    assert workbook_file.content[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(workbook_file.content))
    assert workbook.sheetnames == ["Calls", "Ledger"]
    calls = list(workbook["Calls"].iter_rows(values_only=True))
    assert calls[0][0] == "Start (UTC)" and len(calls) == 6
    assert calls[1][0] == datetime(2026, 10, 1, 7, 0)
    assert calls[1][8] == 120 and Decimal(str(calls[1][9])) == Decimal("0.06")
    hostile = next(row for row in calls[1:] if row[3] == "'+493019482***")
    assert hostile[2] == "'=cmd|' /C calc'!A0"
    for row in workbook["Calls"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # no formula survived
    ledger = list(workbook["Ledger"].iter_rows(values_only=True))
    assert [row[2] for row in ledger[1:]] == ["deposit", "charge"]
    assert ledger[1][6] == "'=HYPERLINK(\"http://evil\")"


def test_export_formats(reports, account):
    with pytest.raises(CreditsError, match="csv"):
        reports.export(account, reports.period(account, None), fmt="pdf")
    calls_file, ledger_file = reports.export(account, reports.period(account, None))
    assert read_csv(calls_file.content) == [[*("Start (UTC)",), *CALL_COLUMNS[1:]]]
    assert ledger_file.rows == 0


# --- the report and its chart --------------------------------------------------------------------

def test_report_summary(reports, booked):
    report = reports.report(booked, reports.period(booked, "2026-10"), top=2)
    assert (report.calls, report.spend, report.added) == (4, usd("5.6812"), usd("100"))
    assert (report.balance_start, report.balance_end) == (usd("-1"), usd("93.3188"))
    assert [line.label for line in report.top_destinations] == ["Brazil", "Germany"]
    assert [line.key for line in report.top_users] == ["bob@contoso.example",
                                                       "alice@contoso.example"]
    assert len(report.daily) == 31
    assert Money.total((d.spend for d in report.daily), "USD") == report.spend
    # The deposit when it was booked, each day's calls at the day's end (import charges are
    # the calls themselves, so they are not steps of their own).
    assert [(p.at, p.balance) for p in report.balance_points] == [
        (OCT, usd("-1")), (OCT + timedelta(hours=1), usd("99")),
        (OCT + timedelta(days=1), usd("98.94")),
        (OCT + timedelta(days=2), usd("98.7188")),
        (OCT + timedelta(days=31), usd("93.3188")),
        (OCT + timedelta(days=31), usd("93.3188"))]
    assert report.balance_points[-1].at == datetime(2026, 11, 1, tzinfo=UTC)


def test_report_of_the_running_month_starts_from_the_previous_balance(reports, booked, clock):
    report = reports.report(booked, reports.period(booked, "this-month"))
    assert report.period.first_day == date(2026, 11, 1)
    assert (report.balance_start, report.balance_end, report.added) == (
        usd("93.3188"), usd("143.3188"), usd("50"))
    assert report.calls == 0
    assert report.balance_points[-1].at == clock.now()


def test_chart_is_a_png_matplotlib_can_read(reports, booked):
    import matplotlib.image
    import matplotlib.pyplot as plt

    figures_before = plt.get_fignums()
    png = render_chart(reports.report(booked, reports.period(booked, "2026-10")))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[:2] == (600, 800)
    assert plt.get_fignums() == figures_before  # no pyplot state leaked


def test_chart_of_an_empty_period(reports, account):
    png = render_chart(reports.report(account, reports.period(account, "last-7-days")))
    assert png.startswith(b"\x89PNG")


def test_reports_add_up_when_a_month_is_imported_late(engine, clock, account):
    """November's export imported on 1 December, after that day's deposit: November's report
    has November's calls, December's starts where November ended, and each one adds up."""
    from storage.usage_queries import balance_at
    from tests.bot.usage.test_spend_rollup import DECK

    lines = ["call_id,user,start,duration_seconds,destination_number,direction"]
    for index in range(90):  # every 8 hours through November
        start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=8 * index)
        lines.append(f"n{index},u@contoso.example,{start:%Y-%m-%dT%H:%M:%SZ},{60 + index},"
                     "+442075908301,outbound")
    clock.set(datetime(2026, 12, 1, 8, tzinfo=UTC))
    ledger = Ledger(engine, clock)
    ledger.deposit(account_id=account.id, amount=usd("1000"), key="d1", actor="U1")
    summary = app_importer(engine, clock).run(("\n".join(lines) + "\n").encode(), team_id="T1",
                                              deck=DECK, licensed_emails=(), name="november.csv")
    ledger.adjust(account_id=account.id, amount=usd("-5"), key="a1", actor="U1")
    reports = UsageReports(engine, clock)
    november = reports.report(account, reports.period(account, "last-month"))
    december = reports.report(account, reports.period(account, "this-month"))
    assert summary.new_calls == 90 and november.spend == summary.charged > usd(0)
    assert (november.balance_start, november.added, november.other) == (usd(0),) * 3
    assert (december.spend, december.added, december.other) == (usd(0), usd(1000), usd(-5))
    for report in (november, december):
        assert report.balance_start + report.added + report.other - report.spend \
            == report.balance_end
        with read_session(engine) as session:
            assert balance_at(session=session, account_id=account.id, at=report.period.end,
                              day=report.period.last_day + timedelta(days=1)) \
                == report.balance_end.micros
        assert report.balance_points[-1].balance == report.balance_end
    assert november.balance_end == december.balance_start == -summary.charged
    assert december.balance_end == Accounts(engine, clock).get("T1").balance


@pytest.mark.parametrize(("locale", "balance", "spend", "nothing", "day"), [
    ("en-US", "Balance (USD)", "Daily spend (USD)", "no calls in this period", "Nov 5"),
    ("de-DE", "Guthaben (USD)", "Tägliche Ausgaben (USD)", "keine Anrufe in diesem Zeitraum",
     "5. Nov."),
])
def test_the_charts_words_and_dates_are_in_the_readers_language(reports, account, locale,
                                                                 balance, spend, nothing, day):
    figure = chart_figure(reports.report(account, reports.period(account, "2026-11")),
                          locale=locale)
    figure.canvas.draw()
    balance_axes, spend_axes = figure.axes
    assert (balance_axes.get_ylabel(), spend_axes.get_ylabel()) == (balance, spend)
    assert balance_axes.get_title().startswith("Credits: ")
    assert [text.get_text() for text in spend_axes.texts] == [nothing]
    assert day in [label.get_text() for label in spend_axes.get_xticklabels()]
