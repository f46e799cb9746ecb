"""Import call records and charge them to the ledger, exactly once (DESIGN §4, §5).

A file streams in batches. Each batch is priced and checked outside any lock, then written in ONE
transaction that locks the account, finds which of its calls are new, posts ONE `charge` entry
for the sum of the new calls (its idempotency key derived from their record keys), and inserts
those calls pointing at that entry. A batch is all or nothing, so an import that is killed half
way, retried, or run twice at once charges every call exactly once: a call that is stored was
charged, and a call that is not was not.

A record that carries a charge (Teams, Graph) is charged `charge + connection fee`, even when its
number cannot be read (it is flagged); one that does not (CDR) is rated against the deck, and a
CDR without a rate is rejected. A call over MAX_CALL_CHARGE is rejected as implausible, so no sum
can leave the 64-bit range (sums are exact Python integers, checked all the same). Direct Routing
calls are stored with charge 0 and never rated. Records whose own charge differs from the deck's
price are listed for reconciliation. A record's own license (Capability, licenseCapability) says
it was licensed; only records without one are checked against the account's license list.

A call that an earlier import stored from another source (same call id, start within a second:
the Teams export, then a PBX CDR of the same calls) is skipped and counted, not charged twice.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.errors import AccountNotFound, Sentence
from bot.i18n import N_
from bot.ledger import Ledger
from bot.money import Money
from bot.rates.deck import RateDeck
from bot.rates.service import Rates
from bot.rates.store import current_deck
from bot.usage.formats.records import CDR, DIRECT_ROUTING, GRAPH, RowError
from bot.usage.formats.usage_file import Source, open_usage
from bot.usage.frames import CallFrame, read_frames
from bot.usage.limits import FileRefused
from bot.usage.rating import FrameRater
from bot.usage.threads import read_ahead
from storage import calls as calls_db
from storage import spend as spend_db
from storage.accounts import get_account, get_account_by_id, lock_account
from storage.db import read_session, write_transaction
from storage.licenses import licensed_emails as licensed_emails_of

DEFAULT_BATCH_SIZE = 50_000
MAX_LISTED = 1_000  # rejected rows and reconciliation differences kept for the report
MAX_CALL_CHARGE = Decimal(10_000)  # per call, in the account's currency: more is implausible
_MAX_CALL_MICROS = int(MAX_CALL_CHARGE.scaleb(6))
INT64_MAX = 2**63 - 1
SAME_CALL_SECONDS = 1  # starts this close, with the same call id, are the same call
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Difference:
    """A call whose own charge is not what the deck says it costs."""

    record_key: str
    line: int
    destination_number: str | None
    start: datetime
    duration_seconds: int
    charged: Money
    deck_price: Money

    @property
    def difference(self) -> Money:
        return self.charged - self.deck_price


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, calls charged, skipped, rejected and flagged."""

    name: str
    format: str
    rows: int
    new_calls: int
    duplicates: int
    charged: Money
    rejected_count: int
    rejected: tuple[RowError, ...]  # the first MAX_LISTED, in file order
    unlicensed_calls: int
    unlicensed_users: tuple[tuple[str, int], ...]  # (UPN or "", calls), most calls first
    difference_count: int
    differences: tuple[Difference, ...]  # the first MAX_LISTED
    difference_total: Money  # charged minus deck price, over every difference
    entries: tuple[int, ...]  # ledger entries posted, one per batch with new charges
    direct_routing: int = 0  # new Direct Routing calls stored (charge 0)
    flagged_count: int = 0  # records kept with a note (a number that cannot be read)
    flagged: tuple[RowError, ...] = ()  # the first MAX_LISTED
    other_source: int = 0  # calls skipped: the same call from another source is stored
    more_pages: bool = False  # a Graph page ending with @odata.nextLink: more pages exist

    @property
    def currency(self) -> str:
        return self.charged.currency

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
    flagged: list[RowError]


@dataclass
class _Totals:
    currency: str
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
    direct_routing: int = 0
    flagged_count: int = 0
    flagged: list[RowError] = field(default_factory=list)
    other_source: int = 0

    def add(self, batch: _Prepared) -> None:
        self.rows += batch.rows
        self.flagged_count += len(batch.flagged)
        self.flagged.extend(batch.flagged[:max(MAX_LISTED - len(self.flagged), 0)])
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
                Difference(key, line, number, start, seconds,
                           Money.from_micros(charged, self.currency),
                           Money.from_micros(deck, self.currency))
                for key, line, number, start, seconds, charged, deck
                in differ.head(room).iter_rows())

    def summary(self, *, name: str, fmt: str, more_pages: bool) -> ImportSummary:
        return ImportSummary(
            name=name, format=fmt, rows=self.rows,
            new_calls=self.new_calls, duplicates=self.duplicates,
            charged=Money.from_micros(self.charged_micros, self.currency),
            rejected_count=self.rejected_count,
            rejected=tuple(self.rejected), unlicensed_calls=sum(self.unlicensed.values()),
            unlicensed_users=tuple(sorted(self.unlicensed.items(),
                                          key=lambda item: (-item[1], item[0]))),
            difference_count=self.difference_count, differences=tuple(self.differences),
            difference_total=Money.from_micros(self.difference_micros, self.currency),
            entries=tuple(self.entries),
            direct_routing=self.direct_routing, flagged_count=self.flagged_count,
            flagged=tuple(self.flagged), other_source=self.other_source, more_pages=more_pages)


def import_usage(engine: Engine, clock: Clock, *, source: Source, team_id: str | None = None,
                 account_id: int | None = None, deck: RateDeck | None = None,
                 licensed_emails: Collection[str] | None = None, ledger: Ledger,
                 batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None,
                 actor: str = "import", name: str | None = None) -> ImportSummary:
    """Import a usage file (Teams CSV or zip, Graph JSON, CDR CSV) into an account: the
    importer's engine, which `UsageImporter.run` calls (the app imports through that service).

    `licensed_emails` defaults to the account's active licenses, `deck` to the loaded rate
    deck; each batch's charge is posted through `ledger`, whose hooks run inside the batch's
    transaction. There is no default ledger: the caller names it, the composed one with the
    alert and auto-recharge hooks (`UsageImporter`'s) or, to import without alerting, a `Ledger`
    without hooks. `progress(rows_done, total_or_None)` is called after each batch commits.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    account_id, currency = _account(engine, team_id=team_id, account_id=account_id)
    if licensed_emails is None:
        with read_session(engine) as session:
            licensed_emails = licensed_emails_of(session=session, account_id=account_id)
    totals = _Totals(currency)
    with open_usage(source, name=name) as usage:
        total_rows = usage.count_rows()
        batcher = _Batcher(currency=currency,
                           rater=FrameRater(deck if deck is not None else current_deck(engine)),
                           licensed=sorted({email.lower() for email in licensed_emails}),
                           fmt=usage.format)
        writer = _Writer(engine, clock, account_id=account_id, currency=currency,
                         fmt=usage.format, name=usage.name, actor=actor,
                         ledger=ledger)
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
        return totals.summary(name=usage.name, fmt=usage.format,
                              more_pages=usage.more_pages)


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
                   "licensed", "route")


@dataclass(frozen=True)
class _Batcher:
    """Turns a file's batches into call records: everything that needs no lock."""

    currency: str
    rater: FrameRater
    licensed: list[str]
    fmt: str

    def prepare(self, frame: CallFrame) -> _Prepared:
        """Price and check a batch; keep its good calls, the first of each key."""
        calls, rejected = self._check(frame.calls)
        errors = sorted([*frame.errors, *rejected], key=lambda error: error.line)
        first = calls["record_key"].is_first_distinct()
        calls = calls.filter(first)
        unit = "record" if self.fmt == GRAPH else "line"
        flagged = [RowError(line, flag, unit) for line, flag
                   in calls.filter(pl.col("flag").is_not_null()).select("line", "flag")
                   .iter_rows()]
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
                         differences=differences, flagged=flagged)

    def _reason(self, code: str) -> Sentence:
        """The sentence of a rejection that `_check` wrote as a code and its values."""
        kind, *values = code.split(_SEP)
        if kind == "currency":
            return Sentence.of(N_("currency {currency} differs from the account's {account}"),
                           currency=values[0], account=self.currency)
        if kind == "too_long":
            return Sentence.of(N_("{name} is longer than {size} characters"), name=values[0],
                           size=values[1])
        if kind == "over_cap":
            return Sentence.of(N_("the charge is over {cap} {currency}, more than a call can "
                              "cost: implausible"), cap=MAX_CALL_CHARGE, currency=self.currency)
        number, direction, day = values
        deck_currency = self.rater.deck.currency
        if deck_currency is None:
            return Sentence.of(N_("no rate for {number} ({direction}) on {day}: no rate deck is "
                              "loaded"), number=number, direction=direction, day=day)
        if deck_currency != self.currency:
            return Sentence.of(N_("no rate for {number} ({direction}) on {day}: the rate deck is "
                              "in {deck}, the account in {account}"), number=number,
                           direction=direction, day=day, deck=deck_currency,
                           account=self.currency)
        return Sentence.of(N_("no rate for {number} ({direction}) on {day}"), number=number,
                       direction=direction, day=day)

    def _check(self, calls: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
        """Price every call; reject the ones in another currency, CDRs without a rate and calls
        over MAX_CALL_CHARGE."""
        deck_currency = self.rater.deck.currency
        if calls.height and (deck_currency is None or deck_currency == self.currency):
            rated = self.rater.rate(calls["destination_digits"], calls["direction"],
                                    calls["start_at"], calls["duration_seconds"])
            calls = calls.with_columns(
                rated_micros=rated["rated_micros"],
                destination_name=pl.coalesce("destination_name", rated["rated_destination"]))
        else:
            calls = calls.with_columns(rated_micros=pl.lit(None, pl.Int64))
        direct = pl.col("route") == DIRECT_ROUTING
        calls = calls.with_columns(
            # The customer's own carrier: nothing to rate, nothing to reconcile.
            rated_micros=pl.when(direct).then(None).otherwise(pl.col("rated_micros")),
            provider_charge_micros=pl.when(pl.col("charge_micros").is_not_null())
            .then(pl.col("charge_micros") + pl.col("fee_micros").fill_null(0)))
        calls = calls.with_columns(
            # A code and its values, made a sentence below (rejected rows are few).
            reason=pl.when(pl.col("currency").is_not_null()
                           & (pl.col("currency") != self.currency))
            .then(pl.concat_str(pl.lit("currency"), pl.col("currency"), separator=_SEP))
            .when(pl.col("provider_charge_micros").is_null() & pl.col("rated_micros").is_null())
            .then(pl.concat_str(pl.lit("no_rate"), pl.col("destination_number").fill_null(""),
                                pl.col("direction"),
                                pl.col("start_at").dt.date().cast(pl.String), separator=_SEP))
            .when(pl.coalesce("provider_charge_micros", "rated_micros") > _MAX_CALL_MICROS)
            .then(pl.lit("over_cap")))
        calls = _fit_columns(calls)
        unit = "record" if self.fmt == GRAPH else "line"
        errors = [RowError.of(line, self._reason(reason), unit) for line, reason in
                  calls.filter(pl.col("reason").is_not_null()).select("line", "reason")
                  .iter_rows()]
        good = calls.filter(pl.col("reason").is_null())
        return good.with_columns(
            charge_micros=pl.coalesce("provider_charge_micros", "rated_micros"),
            # The record's own license says which license paid for it (a Calling Plan's
            # MCOPSTNU as much as Communications Credits' MCOPSTNPP); Direct Routing needs none
            # of the bot's; only records without either are checked against the license list.
            licensed=pl.when(direct | pl.col("license").is_not_null()).then(True)
            .otherwise(pl.col("user_upn").str.to_lowercase().is_in(self.licensed)
                       .fill_null(False))), errors


# Columns a record is found by are refused when longer than the table keeps; descriptive ones
# are cut to fit (a display name of 5,000 characters says nothing more than its start).
_KEY_LENGTHS = {"record_key": 200, "call_id": 200, "user_upn": 254}
_TEXT_LENGTHS = {"user_name": 200, "call_type": 40, "destination_name": 120}


def _fit_columns(calls: pl.DataFrame) -> pl.DataFrame:
    too_long = pl.coalesce([pl.when(pl.col(name).str.len_chars() > size)
                            .then(pl.lit(f"too_long{_SEP}{name}{_SEP}{size}"))
                            for name, size in _KEY_LENGTHS.items()])
    return calls.with_columns(
        *(pl.col(name).str.slice(0, size) for name, size in _TEXT_LENGTHS.items()),
        reason=pl.coalesce("reason", too_long))


_SEP = "\x1f"  # between a rejection's code and its values in the frame's reason column


class _Writer:
    """Writes batches: one locked transaction each, with one charge for its new calls."""

    def __init__(self, engine: Engine, clock: Clock, *, account_id: int, currency: str,
                 fmt: str, name: str, ledger: Ledger, actor: str) -> None:
        self.engine = engine
        self.clock = clock
        self.account_id = account_id
        self.currency = currency
        self.fmt = fmt
        self.name = name
        self.ledger = ledger
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
            stored = new.height
            new = self._without_other_sources(session, new)
            amount = _exact_sum(new["charge_micros"])
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
        totals.duplicates += records.height - stored
        totals.other_source += stored - new.height
        totals.direct_routing += int((new["route"] == DIRECT_ROUTING).sum())
        totals.charged_micros += amount
        if entry_id is not None:
            totals.entries.append(entry_id)

    def _without_other_sources(self, session: Session, new: pl.DataFrame) -> pl.DataFrame:
        """Drop the calls another source stored already (same call id, start within
        SAME_CALL_SECONDS): the Teams export and a PBX CDR of the same calls charge once."""
        ids = new.select(call_key=pl.coalesce("call_id", "record_key"), start_at="start_at",
                         record_key="record_key")
        found = calls_db.calls_from_other_sources(
            session=session, account_id=self.account_id, source=self.fmt,
            call_ids=ids["call_key"].unique().to_list(), keyed_by_call_id=self.fmt != CDR)
        if not found:
            return new
        stored = pl.DataFrame(found, schema={"call_key": pl.String,
                                             "stored_at": pl.Datetime("us")}, orient="row")
        same = (ids.join(stored.with_columns(pl.col("stored_at").dt.replace_time_zone("UTC")),
                         on="call_key")
                .filter((pl.col("start_at") - pl.col("stored_at")).abs()
                        <= pl.duration(seconds=SAME_CALL_SECONDS)))
        return new.filter(~pl.col("record_key").is_in(same["record_key"].implode()))

    def _charge(self, session: Session, new: pl.DataFrame, amount: int, now: datetime) -> int:
        keys = new["record_key"].to_list()
        posting = self.ledger.charge_in(
            session, account_id=self.account_id,
            amount=Money.from_micros(amount, self.currency),
            key=_idempotency_key(self.account_id, keys), actor=self.actor, now=now,
            memo=f"{len(keys)} calls imported from {self.name}"[:500],
            reference=f"import:{self.fmt}")
        return posting.entry_id


def _exact_sum(micros: pl.Series) -> int:
    """The batch's charge, summed exactly (polars sums Int64 with wrap-around)."""
    total = sum(micros.drop_nulls().to_list())
    if total > INT64_MAX:  # MAX_CALL_CHARGE keeps any batch far below; never store a wrap
        raise FileRefused("The calls of one batch add up to more than the ledger can hold.")
    return total


def _idempotency_key(account_id: int, keys: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()
    return f"import:{account_id}:{digest}"


class UsageImporter:
    """The import service every caller uses (the DM handler, the CLI, the console, the Graph
    sync): each batch is charged through the composed ledger, so alerts and auto-recharge run
    in its transaction, and priced against the deck in force (loaded on first use)."""

    def __init__(self, engine: Engine, clock: Clock, *, ledger: Ledger, rates: Rates) -> None:
        self.engine = engine
        self.clock = clock
        self.ledger = ledger
        self.rates = rates

    def run(self, source: Source, *, account_id: int | None = None, team_id: str | None = None,
            deck: RateDeck | None = None, licensed_emails: Collection[str] | None = None,
            batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None,
            actor: str = "import", name: str | None = None) -> ImportSummary:
        """Import `source` into the account (by id or team); see `import_usage`. `deck`
        defaults to the deck in force, the sample or CREDITS_RATES_FILE loaded when none is."""
        return import_usage(self.engine, self.clock, source=source, team_id=team_id,
                            account_id=account_id,
                            deck=deck if deck is not None else self.rates.deck(),
                            licensed_emails=licensed_emails, ledger=self.ledger,
                            batch_size=batch_size, progress=progress, actor=actor, name=name)
