"""The Graph usage sync (DESIGN §10): call logs from Microsoft Graph, through the file importer.

A run reads getPstnCalls and getDirectRoutingCalls from the account's high-water mark less an
overlap (Microsoft's records arrive late; the first run looks back a configurable number of
days) up to now, in windows of at most 90 days (Graph refuses longer ones), following every
`@odata.nextLink`. Each page's `value` goes to the same importer as a file, as a Graph JSON page,
so records are keyed by their `id` (the export's UsageId): the overlap, a file import of the same
calls, and a run killed between pages all charge each call exactly once (a page is one
all-or-nothing batch; the mark moves only after every window was read).

Graph's 429/503 leave a `retry_at` (Retry-After) that the scheduler honours; other errors are
recorded on the account's sync row and alerted once per episode (until a run succeeds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.accounts import currency_of
from bot.alerts.rules import Alert
from bot.alerts.sink import AlertSink
from bot.clock import Clock
from bot.graph.client import (
    CALL_LOGS,
    DIRECT_ROUTING,
    GraphClient,
    GraphError,
    GraphThrottled,
    Page,
)
from bot.money import Money
from bot.rates.deck import RateDeck
from bot.rates.store import current_deck
from bot.usage.importer import ImportSummary, UsageImporter
from bot.usage.threads import read_ahead
from storage import graph_sync as sync_db
from storage.accounts import get_account_by_id
from storage.db import read_session, write_transaction
from storage.licenses import licensed_emails
from storage.models import GraphSync

log = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=90)  # Graph's limit for one call-log request
IMPORT_RECORDS = 5_000  # pages are imported in batches of about this many records
ALERT_KIND = "graph_sync_failed"
PERMISSIONS_HINT = ("check the app's permissions (CallRecord-PstnCalls.Read.All, with admin "
                    "consent) and its tenant, client id and secret")
# (pages read, records read) after each page
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SyncView:
    """What `/credits sync` shows: the last run and the high-water mark."""

    high_water_at: datetime | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    windows: str
    pages: int
    new_calls: int
    duplicates: int
    rejected: int
    direct_routing_rows: int
    charged: Money
    last_error: str | None
    retry_at: datetime | None


@dataclass
class SyncReport:
    """What one run did."""

    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    pages: int = 0
    records: int = 0
    new_calls: int = 0
    duplicates: int = 0
    rejected: int = 0
    direct_routing_rows: int = 0
    charged: Money | None = None  # None: nothing imported yet (its currency is the account's)
    error: str | None = None
    retry_after: int | None = None  # Graph asked to wait this long
    skipped: bool = False  # an earlier Retry-After has not passed yet

    def add(self, summary: ImportSummary, *, direct_routing: bool, records: int) -> None:
        self.records += records
        self.new_calls += summary.new_calls
        self.duplicates += summary.duplicates
        self.rejected += summary.rejected_count
        self.charged = (summary.charged if self.charged is None
                        else self.charged + summary.charged)
        if direct_routing:
            self.direct_routing_rows += records


def windows_between(start: datetime, end: datetime,
                    size: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most `size`."""
    windows = []
    while start < end:
        stop = min(start + size, end)
        windows.append((start, stop))
        start = stop
    return windows


class UsageSync:
    """Runs the sync for one account at a time."""

    def __init__(self, engine: Engine, clock: Clock, client: GraphClient, *,
                 importer: UsageImporter, alerts: AlertSink, lookback: timedelta,
                 overlap: timedelta) -> None:
        self.engine = engine
        self.clock = clock
        self.client = client
        self.importer = importer
        self.alerts = alerts
        self.lookback = lookback
        self.overlap = overlap

    def view(self, account_id: int) -> SyncView | None:
        """The account's last run, or None before the first."""
        with read_session(self.engine) as session:
            row = sync_db.get_sync_state(session=session, account_id=account_id)
            currency = currency_of(session, account_id)
            return None if row is None else _view(row, currency)

    def run(self, account_id: int, *, since: datetime | None = None, force: bool = False,
            progress: Progress | None = None) -> SyncReport:
        """Read the call logs since the mark (or `since`) up to now and import them.

        `force` ignores an earlier Retry-After (an admin's `sync now`)."""
        now = self.clock.now()
        report = SyncReport()
        with write_transaction(self.engine) as session:
            state = sync_db.lock_sync_state(session=session, account_id=account_id)
            if not force and state.retry_at is not None and state.retry_at > now:
                report.skipped = True
                report.retry_after = int((state.retry_at - now).total_seconds()) + 1
                return report
            start = since or (state.high_water_at - self.overlap if state.high_water_at
                              else now - self.lookback)
            report.windows = windows_between(start, now)
            state.last_started_at = now
            state.windows = _windows_text(report.windows)
            sync_db.save_sync_state(session=session, state=state)
        try:
            self._read(account_id, report, progress)
        except GraphThrottled as exc:
            report.retry_after, report.error = exc.retry_after, str(exc)
            self._finish(account_id, report, now, throttled=exc)
            return report
        except GraphError as exc:
            report.error = str(exc)
            self._finish(account_id, report, now)
            return report
        self._finish(account_id, report, now, high_water=now)
        return report

    def _read(self, account_id: int, report: SyncReport, progress: Progress | None) -> None:
        deck = current_deck(self.engine)
        with read_session(self.engine) as session:
            licensed = licensed_emails(session=session, account_id=account_id)
        for function in CALL_LOGS:
            for start, end in report.windows:
                # The next page is fetched while this one is imported; pages are imported a
                # few at a time (one all-or-nothing batch), which costs the importer less.
                pages = read_ahead(self.client.call_log_pages(function, start, end))
                batch: list[Page] = []
                try:
                    with closing(pages):
                        for page in pages:
                            report.pages += 1
                            if page.value:
                                batch.append(page)
                            if sum(len(p.value) for p in batch) >= IMPORT_RECORDS:
                                self._import(account_id, batch, report, function=function,
                                             deck=deck, licensed=licensed)
                                batch = []
                            if progress is not None:
                                progress(report.pages, report.records + sum(
                                    len(p.value) for p in batch))
                finally:
                    # Pages read before an error are taken all the same.
                    if batch:
                        self._import(account_id, batch, report, function=function, deck=deck,
                                     licensed=licensed)

    def _import(self, account_id: int, pages: list[Page], report: SyncReport, *,
                function: str, deck: RateDeck, licensed: Collection[str]) -> None:
        # The pages as Graph sent them, in a list: a Graph JSON document the file importer
        # reads (a list of {"value": [...]} pages), and one all-or-nothing batch.
        document = b"[" + b",".join(page.raw for page in pages) + b"]"
        records = sum(len(page.value) for page in pages)
        summary = self.importer.run(document, account_id=account_id, deck=deck,
                                    licensed_emails=licensed, batch_size=max(records, 1),
                                    actor="graph-sync", name=f"Microsoft Graph {function}")
        report.add(summary, direct_routing=function == DIRECT_ROUTING, records=records)

    def _finish(self, account_id: int, report: SyncReport, started: datetime, *,
                high_water: datetime | None = None,
                throttled: GraphThrottled | None = None) -> None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            state = sync_db.lock_sync_state(session=session, account_id=account_id)
            state.last_finished_at = now
            state.pages, state.new_calls = report.pages, report.new_calls
            state.duplicates, state.rejected = report.duplicates, report.rejected
            state.direct_routing_rows = report.direct_routing_rows
            state.charged_micros = report.charged.micros if report.charged is not None else 0
            state.last_error = report.error
            state.retry_at = (now + timedelta(seconds=throttled.retry_after)
                              if throttled else None)
            if high_water is not None:
                state.high_water_at = high_water
                state.error_since = None
            elif throttled is None and state.error_since is None:
                # The first failure of an episode is alerted; the next ones only recorded.
                state.error_since = now
                self._alert(session, account_id, report.error or "", now)
            sync_db.save_sync_state(session=session, state=state)
        if report.error:
            log.warning("graph sync of account %s: %s", account_id, report.error)

    def _alert(self, session: Session, account_id: int, error: str, now: datetime) -> None:
        account = get_account_by_id(session=session, account_id=account_id)
        if account is None or account.id is None:
            return
        alert = Alert(kind=ALERT_KIND, key=f"graph:{account.id}:{now.isoformat()}",
                      account_id=account.id, team_id=account.team_id,
                      balance=Money.from_micros(account.balance_micros, account.currency),
                      headline=f"Microsoft Graph refused the call records: {error[:300]}",
                      next_step=f"{PERMISSIONS_HINT}; `/credits sync` shows the last error, "
                                "`/credits sync now` tries again.")
        self.alerts.write(session, alert, account_channel=account.alert_channel, now=now)


def _windows_text(windows: list[tuple[datetime, datetime]]) -> str:
    return "; ".join(f"{start.isoformat(timespec='seconds')} .. "
                     f"{end.isoformat(timespec='seconds')}" for start, end in windows)


def _view(row: GraphSync, currency: str) -> SyncView:
    return SyncView(high_water_at=row.high_water_at, last_started_at=row.last_started_at,
                    last_finished_at=row.last_finished_at, windows=row.windows, pages=row.pages,
                    new_calls=row.new_calls, duplicates=row.duplicates, rejected=row.rejected,
                    direct_routing_rows=row.direct_routing_rows,
                    charged=Money.from_micros(row.charged_micros, currency),
                    last_error=row.last_error,
                    retry_at=row.retry_at)
