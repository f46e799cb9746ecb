"""Import call records and charge them to the ledger, exactly once (DESIGN §4, §5).

A file streams in batches. Each batch is priced and checked outside any lock, then written in ONE
transaction that locks the account, finds which of its calls are new, posts ONE `charge` entry
for the sum of the new calls (its idempotency key derived from their record keys), and inserts
those calls pointing at that entry. A batch is all or nothing, so an import that is killed half
way, retried, or run twice at once charges every call exactly once: a call that is stored was
charged, and a call that is not was not.

A record that carries a charge (Teams, Graph) is charged `charge + connection fee`; one that does
not (CDR) is rated against the deck, and a CDR without a rate is rejected. Records whose own charge
differs from the deck's price are listed for reconciliation; calls by users without a license are
flagged.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.errors import AccountNotFound
from bot.ledger import PostingHook, charge
from bot.rates import RateDeck, current_deck
from bot.usage.formats import CDR, GRAPH, RowError, Source, open_usage
from bot.usage.frames import CallFrame, read_frames
from bot.usage.rating import FrameRater
from bot.usage.threads import read_ahead
from storage import calls as calls_db
from storage import spend as spend_db
from storage.accounts import get_account, get_account_by_id, lock_account
from storage.db import read_session, write_transaction
from storage.licenses import licensed_emails as licensed_emails_of
from storage.units import from_micros

DEFAULT_BATCH_SIZE = 50_000
MAX_LISTED = 1_000  # rejected rows and reconciliation differences kept for the report
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Difference:
    """A call whose own charge is not what the deck says it costs."""

    record_key: str
    line: int
    destination_number: str | None
    start: datetime
    duration_seconds: int
    charged: Decimal
    deck_price: Decimal

    @property
    def difference(self) -> Decimal:
        return self.charged - self.deck_price


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, calls charged, skipped, rejected and flagged."""

    name: str
    format: str
    currency: str
    rows: int
    new_calls: int
    duplicates: int
    charged: Decimal
    rejected_count: int
    rejected: tuple[RowError, ...]  # the first MAX_LISTED, in file order
    unlicensed_calls: int
    unlicensed_users: tuple[tuple[str, int], ...]  # (UPN or "", calls), most calls first
    difference_count: int
    differences: tuple[Difference, ...]  # the first MAX_LISTED
    difference_total: Decimal  # charged minus deck price, over every difference
    entries: tuple[int, ...]  # ledger entries posted, one per batch with new charges

    @property
    def ok(self) -> bool:
        return self.rejected_count == 0


@dataclass
class _Prepared:
    """A batch priced and checked, ready to write: its records and what it found."""

    rows: int
    records: pl.DataFrame  # table columns, one row per distinct key
    errors: list[RowError]
    duplicates: int  # keys seen twice in the batch
    unlicensed: Counter[str]
    differences: pl.DataFrame


@dataclass
class _Totals:
    rows: int = 0
    new_calls: int = 0
    duplicates: int = 0
    charged_micros: int = 0
    rejected_count: int = 0
    rejected: list[RowError] = field(default_factory=list)
    unlicensed: Counter[str] = field(default_factory=Counter)
    difference_count: int = 0
    difference_micros: int = 0
    differences: list[Difference] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)

    def add(self, batch: _Prepared) -> None:
        self.rows += batch.rows
        self.duplicates += batch.duplicates
        self.rejected_count += len(batch.errors)
        self.rejected.extend(batch.errors[:max(MAX_LISTED - len(self.rejected), 0)])
        self.unlicensed.update(batch.unlicensed)
        differ = batch.differences
        if differ.height:
            self.difference_count += differ.height
            self.difference_micros += int((differ["charged"] - differ["deck"]).sum())
            room = max(MAX_LISTED - len(self.differences), 0)
            self.differences.extend(
                Difference(key, line, number, start, seconds, from_micros(charged),
                           from_micros(deck))
                for key, line, number, start, seconds, charged, deck
                in differ.head(room).iter_rows())

    def summary(self, *, name: str, fmt: str, currency: str) -> ImportSummary:
        return ImportSummary(
            name=name, format=fmt, currency=currency, rows=self.rows,
            new_calls=self.new_calls, duplicates=self.duplicates,
            charged=from_micros(self.charged_micros), rejected_count=self.rejected_count,
            rejected=tuple(self.rejected), unlicensed_calls=sum(self.unlicensed.values()),
            unlicensed_users=tuple(sorted(self.unlicensed.items(),
                                          key=lambda item: (-item[1], item[0]))),
            difference_count=self.difference_count, differences=tuple(self.differences),
            difference_total=from_micros(self.difference_micros), entries=tuple(self.entries))


def import_usage(engine: Engine, clock: Clock, *, source: Source, team_id: str | None = None,
                 account_id: int | None = None, deck: RateDeck | None = None,
                 licensed_emails: Collection[str] | None = None,
                 hooks: Sequence[PostingHook] = (), batch_size: int = DEFAULT_BATCH_SIZE,
                 progress: Progress | None = None, actor: str = "import",
                 name: str | None = None) -> ImportSummary:
    """Import a usage file (Teams CSV or zip, Graph JSON, CDR CSV) into an account.

    `licensed_emails` defaults to the account's active licenses, `deck` to the loaded rate
    deck; `hooks` run inside each batch's transaction after its charge (as `Ledger.hooks`);
    `progress(rows_done, total_or_None)` is called after each batch commits.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    account_id, currency = _account(engine, team_id=team_id, account_id=account_id)
    if licensed_emails is None:
        with read_session(engine) as session:
            licensed_emails = licensed_emails_of(session=session, account_id=account_id)
    totals = _Totals()
    with open_usage(source, name=name) as usage:
        total_rows = usage.count_rows()
        batcher = _Batcher(currency=currency,
                           rater=FrameRater(deck if deck is not None else current_deck(engine)),
                           licensed=sorted({email.lower() for email in licensed_emails}),
                           fmt=usage.format)
        writer = _Writer(engine, clock, account_id=account_id, currency=currency,
                         fmt=usage.format, name=usage.name, hooks=hooks, actor=actor)
        prepared = (batcher.prepare(frame) for frame in read_frames(usage, batch_size))
        # Reading, parsing and pricing the next batch (polars, off the GIL) overlaps with
        # writing this one.
        try:
            with closing(read_ahead(prepared)) as batches:
                for batch in batches:
                    if batch.records.height:
                        writer.write(batch.records, totals)
                    totals.add(batch)
                    if progress is not None:
                        progress(totals.rows, total_rows)
        finally:
            calls_db.end_bulk(engine=engine)
        return totals.summary(name=usage.name, fmt=usage.format, currency=currency)


def _account(engine: Engine, *, team_id: str | None, account_id: int | None) -> tuple[int, str]:
    with read_session(engine) as session:
        if account_id is not None:
            account = get_account_by_id(session=session, account_id=account_id)
        elif team_id is not None:
            account = get_account(session=session, team_id=team_id)
        else:
            raise ValueError("import_usage needs a team_id or an account_id")
        if account is None or account.id is None:
            raise AccountNotFound(f"No credits account for {team_id or account_id}.")
        return account.id, account.currency


_RECORD_COLUMNS = ("record_key", "call_id", "user_upn", "user_name", "call_type", "direction",
                   "destination_number", "destination_name", "country", "start_at",
                   "duration_seconds", "charge_micros", "provider_charge_micros", "rated_micros",
                   "licensed")


@dataclass(frozen=True)
class _Batcher:
    """Turns a file's batches into call records: everything that needs no lock."""

    currency: str
    rater: FrameRater
    licensed: list[str]
    fmt: str

    def prepare(self, frame: CallFrame) -> _Prepared:
        """Price and check a batch; keep its good calls, the first of each key."""
        calls, errors = frame.calls, list(frame.errors)
        if calls.height:
            calls, rejected = self._check(calls)
            errors = sorted(errors + rejected, key=lambda error: error.line)
        first = calls["record_key"].is_first_distinct()
        calls = calls.filter(first)
        unlicensed: Counter[str] = Counter()
        for upn, count in (calls.filter(~pl.col("licensed"))
                           .group_by(pl.col("user_upn").fill_null("")).len().iter_rows()):
            unlicensed[upn] = count
        differences = calls.filter(
            pl.col("provider_charge_micros").is_not_null()
            & pl.col("rated_micros").is_not_null()
            & (pl.col("provider_charge_micros") != pl.col("rated_micros"))
        ).select("record_key", "line", "destination_number", "start_at", "duration_seconds",
                 pl.col("provider_charge_micros").alias("charged"),
                 pl.col("rated_micros").alias("deck"))
        # A CDR's call_id is its record key already: store it once.
        records = calls.select(*_RECORD_COLUMNS).with_columns(
            call_id=pl.lit(None, pl.String) if self.fmt == CDR else pl.col("call_id"))
        return _Prepared(rows=frame.rows, records=records, errors=errors,
                         duplicates=int((~first).sum()), unlicensed=unlicensed,
                         differences=differences)

    def _check(self, calls: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
        """Price every call; reject the ones in another currency and CDRs without a rate."""
        deck_currency = self.rater.deck.currency
        if deck_currency is None or deck_currency == self.currency:
            rated = self.rater.rate(calls["destination_digits"], calls["direction"],
                                    calls["start_at"], calls["duration_seconds"])
            calls = calls.with_columns(
                rated_micros=rated["rated_micros"],
                destination_name=pl.coalesce("destination_name", rated["rated_destination"]))
        else:
            calls = calls.with_columns(rated_micros=pl.lit(None, pl.Int64))
        calls = calls.with_columns(
            provider_charge_micros=pl.when(pl.col("charge_micros").is_not_null())
            .then(pl.col("charge_micros") + pl.col("fee_micros").fill_null(0)))
        calls = calls.with_columns(
            reason=pl.when(pl.col("currency").is_not_null()
                           & (pl.col("currency") != self.currency))
            .then(pl.format("currency {} differs from the account's " + self.currency,
                            pl.col("currency")))
            .when(pl.col("provider_charge_micros").is_null() & pl.col("rated_micros").is_null())
            .then(pl.format("no rate for {} ({}) on {}"
                            + _deck_note(deck_currency, self.currency),
                            pl.col("destination_number"), pl.col("direction"),
                            pl.col("start_at").dt.date())))
        unit = "record" if self.fmt == GRAPH else "line"
        errors = [RowError(line, reason, unit) for line, reason in
                  calls.filter(pl.col("reason").is_not_null()).select("line", "reason")
                  .iter_rows()]
        good = calls.filter(pl.col("reason").is_null())
        return good.with_columns(
            charge_micros=pl.coalesce("provider_charge_micros", "rated_micros"),
            licensed=pl.col("user_upn").str.to_lowercase().is_in(self.licensed)
            .fill_null(False)), errors


def _deck_note(deck_currency: str | None, currency: str) -> str:
    if deck_currency is None:
        return ": no rate deck is loaded"
    if deck_currency != currency:
        return f": the rate deck is in {deck_currency}, the account in {currency}"
    return ""


class _Writer:
    """Writes batches: one locked transaction each, with one charge for its new calls."""

    def __init__(self, engine: Engine, clock: Clock, *, account_id: int, currency: str,
                 fmt: str, name: str, hooks: Sequence[PostingHook], actor: str) -> None:
        self.engine = engine
        self.clock = clock
        self.account_id = account_id
        self.currency = currency
        self.fmt = fmt
        self.name = name
        self.hooks = hooks
        self.actor = actor

    def write(self, records: pl.DataFrame, totals: _Totals) -> None:
        """Lock, keep the calls not stored yet, charge their sum once, insert them."""
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            lock_account(session=session, account_id=self.account_id)
            calls_db.start_bulk(session=session)
            existing = calls_db.existing_call_keys(
                session=session, account_id=self.account_id,
                keys=records["record_key"].to_list())
            new = records.filter(~pl.col("record_key").is_in(list(existing))) \
                if existing else records
            amount = int(new["charge_micros"].sum()) if new.height else 0
            entry_id = self._charge(session, new, amount, now) if amount > 0 else None
            inserted = calls_db.insert_calls(session=session, frame=new, constants={
                "account_id": self.account_id, "source": self.fmt, "currency": self.currency,
                "ledger_entry_id": entry_id, "imported_at": now}, all_new=True)
            if inserted != new.height:
                # The account lock makes this impossible; should it happen, write nothing.
                raise RuntimeError(f"expected to insert {new.height} call records, inserted "
                                   f"{inserted}: the batch was rolled back")
            spend_db.add_calls(session=session, account_id=self.account_id, calls=new)
        totals.new_calls += new.height
        totals.duplicates += records.height - new.height
        totals.charged_micros += amount
        if entry_id is not None:
            totals.entries.append(entry_id)

    def _charge(self, session: Session, new: pl.DataFrame, amount: int, now: datetime) -> int:
        keys = new["record_key"].to_list()
        posting = charge(session, account_id=self.account_id, amount=from_micros(amount),
                         key=_idempotency_key(self.account_id, keys), actor=self.actor, now=now,
                         memo=f"{len(keys)} calls imported from {self.name}"[:500],
                         reference=f"import:{self.fmt}")
        if posting.applied:
            for hook in self.hooks:
                hook(session, posting)
        return posting.entry_id


def _idempotency_key(account_id: int, keys: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()
    return f"import:{account_id}:{digest}"
