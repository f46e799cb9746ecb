"""Usage reports (DESIGN §2 `usage`, `export`, `report`): sums, exports and the chart.

Spend is what call records were charged (`charge_micros`); minutes are their durations. Days are
calendar days in the account's time zone. A report adds up: the balance at its start, plus the
deposits and recharges booked in it, plus other entries (expiries, adjustments), minus what the
calls MADE in it cost is the balance at its end. The balance at a day's start counts every
entry booked before it except import charges, and every call made before it: a month imported
late still lowers that month's balance, not the balance of the day it was imported.

Exports neutralise spreadsheet formulas: a text cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a number gets a
leading apostrophe, so no spreadsheet runs it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine

from bot.clock import Clock
from bot.errors import CreditsError
from bot.i18n import N_, normalize_locale, t
from bot.money import Money
from bot.redaction import redact_card_numbers
from bot.usage.periods import Period, parse_period, zone_of
from storage import usage_queries as queries
from storage.db import read_session
from storage.models import CallRecord, LedgerEntry
from storage.units import from_micros

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn
    from matplotlib.figure import Figure

    from bot.usage.importer import Difference

GROUPINGS = ("user", "destination", "day")
FORMATS = ("csv", "xlsx")
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG_MIME = "image/png"
PURCHASES = ("deposit", "recharge")
_HUNDREDTH = Decimal("0.01")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AccountLike(Protocol):
    """What reports need of an account (bot.accounts.AccountView has it)."""

    @property
    def id(self) -> int: ...

    @property
    def team_id(self) -> str: ...

    @property
    def timezone(self) -> str: ...

    @property
    def currency(self) -> str: ...


@dataclass(frozen=True)
class UsageLine:
    """One group of a usage summary: a user, a destination or a day."""

    key: str
    label: str
    calls: int
    seconds: int
    spend: Money

    @property
    def minutes(self) -> Decimal:
        return minutes(self.seconds)


@dataclass(frozen=True)
class UsageSummary:
    """Spend, minutes and calls of a period, for everyone or one user, maybe grouped."""

    period: Period
    user: str | None
    group_by: str | None
    calls: int
    seconds: int
    spend: Money
    lines: tuple[UsageLine, ...]
    direct_routing: int = 0  # of `calls`: over the customer's own carrier, never charged

    @property
    def currency(self) -> str:
        return self.spend.currency

    @property
    def minutes(self) -> Decimal:
        return minutes(self.seconds)


@dataclass(frozen=True)
class BalancePoint:
    at: datetime
    balance: Money


@dataclass(frozen=True)
class Report:
    """A period at a glance: totals, top destinations and users, balance, daily spend."""

    period: Period
    calls: int
    seconds: int
    spend: Money  # what the calls made in the period cost
    added: Money  # deposits and recharges booked in the period
    other: Money  # expiries, adjustments and charges without call records (signed)
    balance_start: Money
    balance_end: Money  # balance_start + added + other - spend
    top_destinations: tuple[UsageLine, ...]
    top_users: tuple[UsageLine, ...]
    daily: tuple[UsageLine, ...]
    balance_points: tuple[BalancePoint, ...]

    @property
    def currency(self) -> str:
        return self.spend.currency

    @property
    def minutes(self) -> Decimal:
        return minutes(self.seconds)


@dataclass(frozen=True)
class ExportFile:
    """A file to hand over (upload to Slack, write to disk)."""

    filename: str
    content: bytes
    mime_type: str
    rows: int


def minutes(seconds: int) -> Decimal:
    """Seconds as minutes, to the hundredth."""
    return (Decimal(seconds) / 60).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def parse_grouping(text: str | None) -> str | None:
    """`by user` / `by destination` / `by day` (or the bare word) -> the grouping, or None."""
    words = (text or "").strip().lower().split()
    if words[:1] == ["by"]:
        words = words[1:]
    if not words:
        return None
    word = {"users": "user", "destinations": "destination", "days": "day", "country": "destination",
            "countries": "destination", "daily": "day"}.get(words[0], words[0])
    if len(words) != 1 or word not in GROUPINGS:
        raise CreditsError(N_("Group usage `by user`, `by destination` or `by day`."))
    return word


def neutralize(value: str) -> str:
    """Keep a spreadsheet from reading text as a formula (numbers stay as they are)."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class UsageReports:
    """Usage summaries, exports and reports of an account, read from the database."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def period(self, account: AccountLike, text: str | None) -> Period:
        """Read a period in the account's time zone (raises InvalidPeriod)."""
        return parse_period(text, timezone=account.timezone, now=self.clock.now())

    def summary(self, account: AccountLike, period: Period, *, user: str | None = None,
                group_by: str | None = None) -> UsageSummary:
        """Spend, minutes and calls of the period; `user` limits it to one UPN (any case)."""
        if group_by is not None and group_by not in GROUPINGS:
            raise ValueError(f"group_by is one of {GROUPINGS}")
        with read_session(self.engine) as session:
            calls, seconds, micros = queries.sum_usage(
                session=session, account_id=account.id, start=period.start, end=period.end,
                user=user)
            direct = queries.count_direct_routing(
                session=session, account_id=account.id, start=period.start, end=period.end,
                user=user)
            lines: tuple[UsageLine, ...] = ()
            if group_by == "user":
                lines = _by_spend(_lines(queries.sum_usage_by_user(
                    session=session, account_id=account.id, start=period.start,
                    end=period.end, user=user), account.currency))
            elif group_by == "destination":
                lines = _by_spend(_lines(queries.sum_usage_by_destination(
                    session=session, account_id=account.id, start=period.start,
                    end=period.end, user=user), account.currency, labelled=False))
            elif group_by == "day":
                lines = self._daily(session, account, period, user)
        return UsageSummary(period=period, user=user,
                            group_by=group_by, calls=calls, seconds=seconds,
                            spend=Money.from_micros(micros, account.currency), lines=lines,
                            direct_routing=direct)

    def _daily(self, session: Any, account: AccountLike, period: Period,
               user: str | None) -> tuple[UsageLine, ...]:
        sums = queries.sum_usage_by_bucket(session=session, account_id=account.id,
                                           bounds=period.day_starts(), user=user)
        return tuple(UsageLine(key=day.isoformat(), label=day.isoformat(),
                               calls=sums.get(index, (0, 0, 0))[0],
                               seconds=sums.get(index, (0, 0, 0))[1],
                               spend=Money.from_micros(sums.get(index, (0, 0, 0))[2],
                                                       account.currency))
                     for index, day in enumerate(period.days()))

    def report(self, account: AccountLike, period: Period, *, top: int = 5) -> Report:
        """The period's summary with top destinations and users, balance and daily spend."""
        now = self.clock.now()
        until = min(period.end, now) if period.start <= now else period.end
        with read_session(self.engine) as session:
            calls, seconds, micros = queries.sum_usage(
                session=session, account_id=account.id, start=period.start, end=period.end)
            destinations = _by_spend(_lines(queries.sum_usage_by_destination(
                session=session, account_id=account.id, start=period.start, end=period.end),
                account.currency, labelled=False))
            users = _by_spend(_lines(queries.sum_usage_by_user(
                session=session, account_id=account.id, start=period.start, end=period.end),
                account.currency))
            daily = self._daily(session, account, period, None)
            start_micros = queries.balance_at(session=session, account_id=account.id,
                                              at=period.start, day=period.first_day)
            entries = queries.other_entries_between(session=session, account_id=account.id,
                                                    start=period.start, end=period.end)
        currency = account.currency
        added = Money.total((Money.from_micros(e.amount_micros, currency)
                             for e in entries if e.kind in PURCHASES), currency)
        other = Money.total((Money.from_micros(e.amount_micros, currency)
                             for e in entries if e.kind not in PURCHASES), currency)
        start = Money.from_micros(start_micros, currency)
        spend = Money.from_micros(micros, currency)
        return Report(period=period, calls=calls, seconds=seconds,
                      spend=spend, added=added, other=other, balance_start=start,
                      balance_end=start + added + other - spend,
                      top_destinations=destinations[:top], top_users=users[:top], daily=daily,
                      balance_points=_balance_points(period, start, entries, daily, until))

    def export(self, account: AccountLike, period: Period, *, fmt: str = "csv",
               user: str | None = None) -> list[ExportFile]:
        """Call records (and, for everyone's export, the ledger) of the period as files.

        CSV gives two files (calls, ledger); XLSX one workbook with a sheet for each. An export
        for one user holds only their calls: the ledger is the whole account's.
        """
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise CreditsError(N_("Export as `csv` or `xlsx`."))
        zone = zone_of(account.timezone)
        with read_session(self.engine) as session:
            calls = [call_row(call, zone) for call in queries.iter_calls(
                session=session, account_id=account.id, start=period.start, end=period.end,
                user=user)]
            ledger = [] if user is not None else [
                ledger_row(entry, zone) for entry in queries.list_entries_between(
                    session=session, account_id=account.id, start=period.start,
                    end=period.end)]
        stem = f"credits-{account.team_id}-{period.first_day}_{period.last_day}"
        tz_note = f" ({account.timezone or 'UTC'})"
        call_header = [name + (tz_note if name == "Start" else "") for name in CALL_COLUMNS]
        ledger_header = [name + (tz_note if name == "Time" else "") for name in LEDGER_COLUMNS]
        if fmt == "csv":
            files = [ExportFile(f"{stem}-calls.csv", to_csv(call_header, calls), CSV_MIME,
                                len(calls))]
            if user is None:
                files.append(ExportFile(f"{stem}-ledger.csv", to_csv(ledger_header, ledger),
                                        CSV_MIME, len(ledger)))
            return files
        sheets = [("Calls", call_header, calls)]
        if user is None:
            sheets.append(("Ledger", ledger_header, ledger))
        return [ExportFile(f"{stem}.xlsx", to_xlsx(sheets), XLSX_MIME, len(calls) + len(ledger))]


def _balance_points(period: Period, start: Money, entries: Sequence[LedgerEntry],
                    daily: Sequence[UsageLine], until: datetime) -> tuple[BalancePoint, ...]:
    """The balance over the period by the reports' rule: each entry when it was booked, each
    day's calls at the end of that day; up to `until` (now, in the running period)."""
    points = [BalancePoint(period.start, start)]
    balance = start
    pending = list(entries)
    for day_end, line in zip(period.day_starts()[1:], daily, strict=True):
        while pending and pending[0].created_at < day_end:
            entry = pending.pop(0)
            balance += Money.from_micros(entry.amount_micros, start.currency)
            points.append(BalancePoint(entry.created_at, balance))
        if line.spend:  # today's calls so far count from now, a past day's from its end
            balance -= line.spend
            points.append(BalancePoint(min(day_end, until), balance))
        if day_end >= until:
            break
    points.append(BalancePoint(max(until, points[-1].at), balance))
    return tuple(points)


def _lines(rows: Iterable[tuple[str, str, int, int, int]], currency: str, *,
           labelled: bool = True) -> list[UsageLine]:
    """Usage lines from (key, label, calls, seconds, micros); unlabelled ones show their key."""
    return [UsageLine(key=key, label=(label if labelled else "") or key or "unknown",
                      calls=calls, seconds=seconds, spend=Money.from_micros(micros, currency))
            for key, label, calls, seconds, micros in rows]


def _by_spend(lines: Iterable[UsageLine]) -> tuple[UsageLine, ...]:
    return tuple(sorted(lines, key=lambda line: (-line.spend.amount, -line.seconds, line.key)))


# --- exports -------------------------------------------------------------------------------------

CALL_COLUMNS = ("Start", "User", "User name", "Destination number", "Destination", "Country",
                "Direction", "Call type", "Duration (s)", "Charge", "Provider charge", "Rated",
                "Currency", "Licensed", "Source", "Route", "Call ID", "Record key")
LEDGER_COLUMNS = ("Time", "Entry", "Kind", "Amount", "Balance after", "Actor", "Memo",
                  "Reference")


def call_row(call: CallRecord, zone: Any) -> list[Any]:
    """A call record as export cells (money as Decimal, time local and naive)."""
    return [_local(call.start_at, zone), call.user_upn, call.user_name, call.destination_number,
            call.destination_name, call.country, call.direction, call.call_type,
            call.duration_seconds, _export_amount(call.charge_micros),
            _export_amount(call.provider_charge_micros), _export_amount(call.rated_micros),
            call.currency, "yes" if call.licensed else "no",
            call.source, call.route, call.call_id, call.record_key]


def ledger_row(entry: LedgerEntry, zone: Any) -> list[Any]:
    """A ledger entry as export cells."""
    return [_local(entry.created_at, zone), entry.id, entry.kind,
            _export_amount(entry.amount_micros), _export_amount(entry.balance_after_micros),
            entry.actor,
            redact_card_numbers(entry.memo) if entry.memo else entry.memo, entry.reference]


def _local(when: datetime, zone: Any) -> datetime:
    return when.astimezone(zone).replace(tzinfo=None)


def _export_amount(micros: int | None) -> Decimal | None:
    """Micro-units as an export cell's Decimal: at least cents, finer digits kept."""
    if micros is None:
        return None
    amount = from_micros(micros).normalize()
    # At least cents, as money is written; finer digits (rated calls) are kept.
    exponent = amount.as_tuple().exponent
    return amount.quantize(_HUNDREDTH) if isinstance(exponent, int) and exponent >= -2 \
        else amount


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, str):
        return neutralize(value)
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8 with a byte-order mark, so Excel reads accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, header, rows)."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append([neutralize(value) if isinstance(value, str) else value
                          for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the chart -----------------------------------------------------------------------------------

def render_chart(report: Report, *, title: str | None = None, locale: str | None = None
                 ) -> bytes:
    """A PNG of the balance over time and the daily spend (no global pyplot state), its words
    and dates in the reader's language."""
    buffer = io.BytesIO()
    chart_figure(report, title=title, locale=locale).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(report: Report, *, title: str | None = None, locale: str | None = None
                 ) -> Figure:
    """The chart's figure: the balance over time above the daily spend."""
    from babel.dates import format_skeleton
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import num2date
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    zone = zone_of(report.period.timezone)
    figure = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(figure)
    # One time axis for both plots, spanning the whole period, so a deposit on the 2nd lines up
    # with the spend of the 2nd.
    balance_axes, spend_axes = figure.subplots(2, 1, sharex=True)
    # Floats only for drawing: the amounts themselves stay Decimal everywhere else.
    times = [point.at.astimezone(zone).replace(tzinfo=None) for point in report.balance_points]
    balances = [float(point.balance.amount) for point in report.balance_points]
    balance_axes.step(times, balances, where="post", color="#1f77b4")
    balance_axes.axhline(0, color="#d62728", linewidth=0.8)
    balance_axes.set_ylabel(t("Balance ({currency})", locale, currency=report.currency))
    balance_axes.set_title(title or t("Credits: {period}", locale, period=report.period.label))
    balance_axes.grid(True, alpha=0.3)
    days = [datetime.combine(day, time()) for day in report.period.days()]
    spends = [float(line.spend.amount) for line in report.daily]
    spend_axes.bar(days, spends, width=0.8, align="edge", color="#ff7f0e")
    spend_axes.set_xlim(report.period.start.astimezone(zone).replace(tzinfo=None),
                        report.period.end.astimezone(zone).replace(tzinfo=None))
    spend_axes.set_ylabel(t("Daily spend ({currency})", locale, currency=report.currency))
    # Babel's dates ("2. Nov."), not matplotlib's English month names.
    spend_axes.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _position: format_skeleton("MMMd", num2date(value).date(),
                                                 locale=normalize_locale(locale))))
    spend_axes.grid(True, axis="y", alpha=0.3)
    if not report.calls:
        spend_axes.text(0.5, 0.5, t("no calls in this period", locale),
                        transform=spend_axes.transAxes,
                        ha="center", va="center", color="#666666")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


# The columns of the reconciliation file sent after a DM import (handlers/file_import.py).
DIFFERENCE_COLUMNS = ("Line", "Destination", "Start (UTC)", "Seconds", "Charged", "Deck price",
                      "Difference")


def differences_csv(differences: Iterable[Difference]) -> bytes:
    """The charges that differ from the rate deck, one row a call, in file order."""
    rows = [(d.line, d.destination_number, _utc(d.start), d.duration_seconds, d.charged.amount,
             d.deck_price.amount, d.difference.amount)
            for d in sorted(differences, key=lambda d: d.line)]
    return to_csv(DIFFERENCE_COLUMNS, rows)


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
