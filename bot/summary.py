"""The account at a glance: what `/credits balance`, DMs and App Home all show.

Every member asks for it, so it is a read of current state at a fixed cost, however many calls
the account has: one read transaction in SQLAlchemy Core, the account row read once, the spend
from the daily rollup (`storage.spend`), about eight indexed reads in all. On top of that, the
summary and the replies rendered from it are cached per team, keyed by what they show: the
ledger's `version`, the account's `summary_version` (bumped with every other write the summary
shows), the active license count, and the account's local day (the forecast moves with the
day). A cached answer is checked with one indexed probe of the account row.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, func, select

from bot.accounts import Accounts, AccountView, view
from bot.clock import Clock
from bot.forecast import WINDOW_DAYS, forecast_of, local_today
from bot.money import Money
from bot.usage.periods import parse_period
from storage.models import Account, AlertThreshold, LedgerEntry, License
from storage.spend import spend_days

CACHED_TEAMS = 4_096
_ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
_ENTRIES = LedgerEntry.__table__  # type: ignore[attr-defined]
_THRESHOLDS = AlertThreshold.__table__  # type: ignore[attr-defined]
_LICENSES = License.__table__  # type: ignore[attr-defined]
Rendered = TypeVar("Rendered")


@dataclass(frozen=True)
class Purchase:
    kind: str
    amount: Money
    at: datetime


@dataclass(frozen=True)
class AccountSummary:
    account: AccountView
    last_recharge: Purchase | None
    recent_purchases: tuple[Purchase, ...]
    thresholds: tuple[Money, ...]
    license_count: int
    average_daily_spend: Money | None  # None: no spend yet
    run_out: date | None  # None: no spend yet, or beyond the forecast's horizon
    days_left: Decimal | None = None  # None: no spend yet; 0: the balance is used up
    # Post-paid (MCA) accounts: the calls of this month so far, invoiced after the fact.
    postpaid_spend: Money | None = None
    postpaid_month: date | None = None  # the first day of that month, in the account's zone


def _license_count(account_id: Any) -> Any:
    return (select(func.count()).select_from(_LICENSES)
            .where(_LICENSES.c.account_id == account_id, _LICENSES.c.removed_at.is_(None))
            .scalar_subquery())


# The one-row probe of a cached answer, built once: the hot path of every balance and App
# Home answer pays for its execution only, not for building and caching a statement again.
_PROBE = (select(_ACCOUNTS.c.version, _ACCOUNTS.c.summary_version,
                 _license_count(_ACCOUNTS.c.id))
          .where(_ACCOUNTS.c.team_id == bindparam("team_id")))


class _Probe:
    """`_PROBE` compiled once for the engine's dialect and run on a pooled DBAPI cursor: one
    statement, no Core round trip (no BEGIN and ROLLBACK on SQLite, no compiled-cache lookup,
    no result wrapping): about a seventh of the time of `connection.execute(_PROBE)`. A single
    SELECT reads a consistent row without a transaction. A driver error falls back to Core,
    which wraps it (and invalidates a dropped connection) as every other read does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        compiled = _PROBE.compile(dialect=engine.dialect)
        assert list(compiled.params) == ["team_id"], compiled.params
        self.sql = compiled.string
        self.positional = compiled.positional  # qmark (SQLite) or pyformat (psycopg)
        self.driver_error = engine.dialect.loaded_dbapi.Error

    def __call__(self, team_id: str) -> tuple[Any, ...] | None:
        """The account's (version, summary_version, license count), or None: no account."""
        failed, row = False, None
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, (team_id,) if self.positional else {"team_id": team_id})
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self.driver_error as exc:
            failed = True
            if self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
                connection.invalidate(exc)
        finally:
            connection.close()
        if failed:
            with self.engine.connect() as core:
                row = core.execute(_PROBE, {"team_id": team_id}).first()
        return None if row is None else tuple(row)


@dataclass
class _TeamProbes:
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: int = -1  # the sequence number of the last probe's start
    row: tuple[Any, ...] | None = None
    ok: bool = False  # `row` is the answer of the probe that started at `started`
    error: BaseException | None = None  # or that probe failed with this


class _SharedProbe:
    """Askers of one team at the same moment share one probe, without reading stale state: a
    probe's answer serves an asker only if the probe started after the asker asked, so every
    change committed before someone asked is in the answer they get.

    One probe of a team runs at a time; those who asked while it ran wait for it, then the first
    of them probes again and the others take that answer. A burst of balance questions in one
    workspace (everyone after an alert) costs a probe per wave instead of one each, and fewer
    threads wait on the database driver (which releases the interpreter lock) at once."""

    def __init__(self, probe: Callable[[str], tuple[Any, ...] | None]) -> None:
        self.probe = probe
        self._lock = threading.Lock()
        self._sequence = itertools.count()
        self._teams: dict[str, _TeamProbes] = {}

    def __call__(self, team_id: str) -> tuple[Any, ...] | None:
        with self._lock:
            asked = next(self._sequence)
            team = self._teams.get(team_id)
            if team is None:
                if len(self._teams) >= CACHED_TEAMS:
                    self._teams.clear()  # bounded: a team's entry is only a lock and a row
                team = self._teams[team_id] = _TeamProbes()
        with team.lock:
            if team.started > asked:
                if team.ok:
                    return team.row
                if team.error is not None:
                    # The database failed a probe made for this asker too: say so now rather
                    # than queue behind the lock for another try each (an outage stays short).
                    raise team.error
            with self._lock:
                team.started, team.ok, team.error = next(self._sequence), False, None
            try:
                team.row = self.probe(team_id)
            except Exception as exc:
                team.error = exc
                raise
            team.ok = True
            return team.row


def read_summary(connection: Connection, account: Any, *, now: datetime,
                 license_count: int, window_days: int = WINDOW_DAYS) -> AccountSummary:
    """The summary of an `accounts` row, read on the caller's connection."""
    account_id = account.id
    purchases = connection.execute(
        select(_ENTRIES.c.kind, _ENTRIES.c.amount_micros, _ENTRIES.c.created_at)
        .where(_ENTRIES.c.account_id == account_id,
               _ENTRIES.c.kind.in_(("deposit", "recharge")))
        .order_by(_ENTRIES.c.id.desc()).limit(5)).all()
    recharge = connection.execute(
        select(_ENTRIES.c.kind, _ENTRIES.c.amount_micros, _ENTRIES.c.created_at)
        .where(_ENTRIES.c.account_id == account_id, _ENTRIES.c.kind == "recharge")
        .order_by(_ENTRIES.c.id.desc()).limit(1)).first()
    thresholds = connection.execute(
        select(_THRESHOLDS.c.amount_micros).where(_THRESHOLDS.c.account_id == account_id)
        .order_by(_THRESHOLDS.c.amount_micros.desc())).scalars().all()
    forecast = forecast_of(connection, account, now=now, window_days=window_days)
    shown = view(account)
    month, spent = None, None
    if shown.postpaid:  # MCA: this month's calls so far, by call day (invoiced after the fact)
        month = parse_period("this-month", timezone=shown.timezone, now=now)
        days, _ = spend_days(connection, account_id=account_id, first=month.first_day,
                             last=month.last_day)
        spent = Money.from_micros(sum(days.values()), shown.currency)
    spends = forecast.source != "none"  # without any spend there is nothing to forecast
    return AccountSummary(
        account=shown,
        last_recharge=_purchase(recharge, shown.currency) if recharge else None,
        recent_purchases=tuple(_purchase(row, shown.currency) for row in purchases),
        thresholds=tuple(Money.from_micros(amount, shown.currency) for amount in thresholds),
        license_count=license_count,
        average_daily_spend=forecast.average_daily_spend if spends else None,
        run_out=forecast.run_out if spends else None,
        days_left=forecast.days_left if spends else None,
        postpaid_spend=spent, postpaid_month=month.first_day if month else None)


def _purchase(row: Any, currency: str) -> Purchase:
    return Purchase(row.kind, Money.from_micros(row.amount_micros, currency), row.created_at)


@dataclass
class _Cached:
    key: tuple[int, int, int, date]
    summary: AccountSummary
    replies: dict[Hashable, Any] = field(default_factory=dict)


class AccountSummaries:
    """Summaries of accounts, and replies rendered from them, cached until they change."""

    def __init__(self, engine: Engine, clock: Clock, accounts: Accounts, *,
                 window_days: int = WINDOW_DAYS, size: int = CACHED_TEAMS) -> None:
        self.engine = engine
        self.clock = clock
        self.accounts = accounts
        self.window_days = window_days
        self.size = size
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()
        self._probe = _SharedProbe(_Probe(engine))

    def summary(self, team_id: str) -> AccountSummary:
        """The team's summary as of now (its account created on first contact)."""
        return self._current(team_id).summary

    def rendered(self, team_id: str, what: Hashable,
                 render: Callable[[AccountSummary], Rendered]) -> Rendered:
        """`render(summary)`, rendered once per `what` (say, a reply and its locale) for as
        long as the summary stands; the result is shared, so it must not be changed."""
        cached = self._current(team_id)
        with self._lock:
            if what in cached.replies:
                return cached.replies[what]
        reply = render(cached.summary)
        with self._lock:
            cached.replies[what] = reply
        return reply

    def _current(self, team_id: str) -> _Cached:
        now = self.clock.now()
        with self._lock:
            cached = self._cache.get(team_id)
        if cached is not None:
            probe = self._probe(team_id)
            today = local_today(now, cached.summary.account.timezone)
            if probe is not None and (*probe, today) == cached.key:
                with self._lock:
                    self._cache.move_to_end(team_id)
                return cached
        fresh = self._read(team_id, now)
        with self._lock:
            self._cache[team_id] = fresh
            self._cache.move_to_end(team_id)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return fresh

    def _read(self, team_id: str, now: datetime) -> _Cached:
        for _ in range(2):
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(_ACCOUNTS, _license_count(_ACCOUNTS.c.id).label("license_count"))
                    .where(_ACCOUNTS.c.team_id == team_id)).first()
                if row is not None:
                    summary = read_summary(connection, row, now=now,
                                           license_count=int(row.license_count),
                                           window_days=self.window_days)
                    key = (int(row.version), int(row.summary_version), int(row.license_count),
                           local_today(now, row.timezone))
                    return _Cached(key, summary)
            self.accounts.ensure(team_id)  # first contact: an empty account
        raise LookupError(f"no account for {team_id}")
