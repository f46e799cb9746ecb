"""What an account spent per calendar day: the `spend_days` rollup of its call records, and its
`charge` entries per day of booking (for accounts whose charges carry no call records).

The rollup's days are the days the calls STARTED, in the account's time zone. It is written in
the same transaction as the call records it sums (`add_calls`, by the importer's batch), and
rebuilt whole when the account's time zone changes (`rebuild`), so it always equals the sum of
the account's call records. Reads take a Connection or a Session: the balance path reads with
SQLAlchemy Core on one connection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.accounts import bump_summary
from storage.models import Account, CallRecord, LedgerEntry, SpendDay

Executor = Connection | Session
_TABLE = SpendDay.__table__  # type: ignore[attr-defined]
_ROLLUP_BATCH = 50_000


def zone(name: str | None) -> ZoneInfo:
    """The account's zone; UTC when it names none (or one this machine does not know)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def add_calls(*, session: Session, account_id: int, calls: pl.DataFrame) -> None:
    """Add newly stored call records (`start_at`, `charge_micros`, `duration_seconds`) to the
    rollup, and bump the account's summary version; inside the transaction that stored them."""
    if calls.height == 0:
        return
    account = session.get(Account, account_id)  # the importer holds it locked already
    if account is None:
        raise LookupError(f"no account {account_id}")
    _upsert(session, account_id, _by_day(calls, account.timezone))
    bump_summary(session=session, account_id=account_id)


def rebuild(*, session: Session, account_id: int, timezone: str) -> None:
    """Sum the account's call records again by the days of `timezone` (its new zone)."""
    session.execute(delete(_TABLE).where(_TABLE.c.account_id == account_id))
    result = session.execute(
        select(col(CallRecord.start_at), col(CallRecord.charge_micros),
               col(CallRecord.duration_seconds))
        .where(col(CallRecord.account_id) == account_id)
        .execution_options(yield_per=_ROLLUP_BATCH))
    for rows in result.partitions():
        frame = pl.DataFrame(rows, schema={"start_at": pl.Datetime("us", "UTC"),
                                           "charge_micros": pl.Int64,
                                           "duration_seconds": pl.Int64}, orient="row")
        _upsert(session, account_id, _by_day(frame, timezone))
    bump_summary(session=session, account_id=account_id)


def _by_day(calls: pl.DataFrame, timezone: str) -> pl.DataFrame:
    start = calls["start_at"]
    if start.dtype.time_zone is None:  # type: ignore[attr-defined]
        start = start.dt.replace_time_zone("UTC")
    local = start.dt.convert_time_zone(zone(timezone).key).dt.date()
    return (calls.select(day=local, spend=pl.col("charge_micros").fill_null(0),
                         seconds=pl.col("duration_seconds").fill_null(0))
            .group_by("day").agg(pl.col("spend").sum(), pl.col("seconds").sum(),
                                 calls=pl.len()))


def _upsert(session: Session, account_id: int, days: pl.DataFrame) -> None:
    if days.height == 0:
        return
    rows = [{"account_id": account_id, "day": day, "spend_micros": int(spend),
             "seconds": int(seconds), "calls": int(calls)}
            for day, spend, seconds, calls in days.select("day", "spend", "seconds", "calls")
            .iter_rows()]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "day"],
        set_={"spend_micros": _TABLE.c.spend_micros + statement.excluded.spend_micros,
              "seconds": _TABLE.c.seconds + statement.excluded.seconds,
              "calls": _TABLE.c.calls + statement.excluded.calls})
    session.execute(statement, rows)


# -- reads ----------------------------------------------------------------------------------

def spend_days(executor: Executor, *, account_id: int, first: date,
               last: date) -> tuple[dict[date, int], date | None]:
    """Micro-units spent per day in [first, last], and the account's first day with calls
    ({} and None when no day of the range has calls), in one indexed read."""
    earliest = (select(func.min(_TABLE.c.day)).where(_TABLE.c.account_id == account_id)
                .scalar_subquery())
    rows = executor.execute(
        select(_TABLE.c.day, _TABLE.c.spend_micros, earliest)
        .where(_TABLE.c.account_id == account_id, _TABLE.c.day >= first,
               _TABLE.c.day <= last)).all()
    if not rows:
        return {}, None
    return {_day(day): int(spend) for day, spend, _ in rows}, _day(rows[0][2])


def spend_before(executor: Executor, *, account_id: int, day: date) -> int:
    """Micro-units the account's calls cost on days before `day`."""
    return int(executor.execute(
        select(func.coalesce(func.sum(_TABLE.c.spend_micros), 0))
        .where(_TABLE.c.account_id == account_id, _TABLE.c.day < day)).scalar_one())


def daily_ledger_charges(executor: Executor, *, account_id: int, since: datetime,
                         until: datetime, timezone: str) -> tuple[dict[date, int], date | None]:
    """Micro-units of `charge` entries (as positive spend) by local day of booking in
    [since, until), and the local day of the first charge ever booked."""
    entries = LedgerEntry.__table__  # type: ignore[attr-defined]
    charges = (entries.c.account_id == account_id) & (entries.c.kind == "charge")
    earliest = select(func.min(entries.c.created_at)).where(charges).scalar_subquery()
    rows = executor.execute(
        select(entries.c.created_at, entries.c.amount_micros, earliest)
        .where(charges, entries.c.created_at >= since, entries.c.created_at < until)).all()
    where = zone(timezone)
    by_day: dict[date, int] = {}
    for created, amount, _ in rows:
        day = _aware(created).astimezone(where).date()
        by_day[day] = by_day.get(day, 0) - int(amount)
    first = _aware(rows[0][2]).astimezone(where).date() if rows else None
    return by_day, first


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    # SQLite may hand back 'YYYY-MM-DD' text where no column type applies.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
