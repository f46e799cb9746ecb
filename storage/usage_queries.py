"""Read queries for usage reports: sums of call records by user, destination and time bucket,
call records and ledger entries of a period, and the balance at the start of a day.

Every sum returns (calls, seconds, charge micro-units). Periods are half-open: start <= t < end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage import spend as spend_db
from storage.models import CallRecord, LedgerEntry

_BATCH = 2_000


def _calls_in(statement: Any, *, account_id: int, start: datetime, end: datetime,
              user: str | None) -> Any:
    statement = statement.where(CallRecord.account_id == account_id,
                                col(CallRecord.start_at) >= start, col(CallRecord.start_at) < end)
    if user is not None:
        statement = statement.where(func.lower(CallRecord.user_upn) == user.strip().lower())
    return statement


def _sums() -> tuple[Any, Any, Any]:
    return (func.count(), func.coalesce(func.sum(CallRecord.duration_seconds), 0),
            func.coalesce(func.sum(CallRecord.charge_micros), 0))


def sum_usage(*, session: Session, account_id: int, start: datetime, end: datetime,
              user: str | None = None) -> tuple[int, int, int]:
    """Calls, seconds and charge of a period (of one user's calls, by UPN, any case)."""
    statement = _calls_in(select_columns(*_sums()), account_id=account_id, start=start,
                          end=end, user=user)
    calls, seconds, micros = session.execute(statement).one()
    return int(calls), int(seconds), int(micros)


def count_direct_routing(*, session: Session, account_id: int, start: datetime, end: datetime,
                         user: str | None = None) -> int:
    """How many of the period's calls went over Direct Routing (charge 0, the own carrier)."""
    statement = _calls_in(select_columns(func.count()), account_id=account_id, start=start,
                          end=end, user=user).where(CallRecord.route == "direct_routing")
    return int(session.execute(statement).scalar_one())


def sum_usage_by_user(*, session: Session, account_id: int, start: datetime, end: datetime,
                      user: str | None = None) -> list[tuple[str, str, int, int, int]]:
    """Per user (UPN in lower case): (upn, display name, calls, seconds, charge)."""
    key = func.lower(func.coalesce(CallRecord.user_upn, ""))
    statement = _calls_in(select_columns(key, func.max(CallRecord.user_name), *_sums()),
                          account_id=account_id, start=start, end=end, user=user).group_by(key)
    return [(upn, name or "", int(calls), int(seconds), int(micros))
            for upn, name, calls, seconds, micros in session.execute(statement).all()]


def sum_usage_by_destination(*, session: Session, account_id: int, start: datetime,
                             end: datetime, user: str | None = None
                             ) -> list[tuple[str, str, int, int, int]]:
    """Per destination name (or country): (name, country, calls, seconds, charge)."""
    name = func.coalesce(CallRecord.destination_name, CallRecord.country, "")
    statement = _calls_in(select_columns(name, func.max(CallRecord.country), *_sums()),
                          account_id=account_id, start=start, end=end, user=user).group_by(name)
    return [(label, country or "", int(calls), int(seconds), int(micros))
            for label, country, calls, seconds, micros in session.execute(statement).all()]


def sum_usage_by_bucket(*, session: Session, account_id: int, bounds: Sequence[datetime],
                        user: str | None = None) -> dict[int, tuple[int, int, int]]:
    """Sums per time bucket [bounds[i], bounds[i+1]) (days in the account's zone, say)."""
    if len(bounds) < 2:
        return {}
    bucket = case(*[(col(CallRecord.start_at) < bound, index)
                    for index, bound in enumerate(bounds[1:])], else_=-1)
    inner = _calls_in(select_columns(bucket.label("bucket"), col(CallRecord.duration_seconds),
                                     col(CallRecord.charge_micros)),
                      account_id=account_id, start=bounds[0], end=bounds[-1], user=user
                      ).subquery()
    # Grouping by the label of a subquery: PostgreSQL would not match a CASE repeated with
    # fresh bind parameters to the one selected.
    statement = select_columns(
        inner.c.bucket, func.count(), func.coalesce(func.sum(inner.c.duration_seconds), 0),
        func.coalesce(func.sum(inner.c.charge_micros), 0)).group_by(inner.c.bucket)
    return {int(index): (int(calls), int(seconds), int(micros))
            for index, calls, seconds, micros in session.execute(statement).all()}


def iter_calls(*, session: Session, account_id: int, start: datetime, end: datetime,
               user: str | None = None) -> Iterator[CallRecord]:
    """The period's call records by start time, streamed in batches."""
    statement = _calls_in(select(CallRecord), account_id=account_id, start=start, end=end,
                          user=user).order_by(col(CallRecord.start_at), col(CallRecord.id))
    yield from session.exec(statement.execution_options(yield_per=_BATCH))


def list_entries_between(*, session: Session, account_id: int, start: datetime,
                         end: datetime) -> Sequence[LedgerEntry]:
    """Ledger entries created in the period, oldest first."""
    statement = (select(LedgerEntry)
                 .where(LedgerEntry.account_id == account_id,
                        col(LedgerEntry.created_at) >= start, col(LedgerEntry.created_at) < end)
                 .order_by(col(LedgerEntry.created_at), col(LedgerEntry.id)))
    return session.exec(statement).all()


def _not_import_charge() -> Any:
    # An import's charge is the sum of its batch's calls (storage.spend has them by call day);
    # the importer marks it with a reference that starts with "import:".
    return ~((col(LedgerEntry.kind) == "charge")
             & func.coalesce(col(LedgerEntry.reference), "").like("import:%"))


def other_entries_between(*, session: Session, account_id: int, start: datetime,
                          end: datetime) -> Sequence[LedgerEntry]:
    """The period's entries other than import charges (whose calls count by the day they were
    made), oldest first."""
    statement = (select(LedgerEntry)
                 .where(LedgerEntry.account_id == account_id, _not_import_charge(),
                        col(LedgerEntry.created_at) >= start, col(LedgerEntry.created_at) < end)
                 .order_by(col(LedgerEntry.created_at), col(LedgerEntry.id)))
    return session.exec(statement).all()


def balance_at(*, session: Session, account_id: int, at: datetime, day: date) -> int:
    """The balance (micro-units) at `at`, the start of the account's local `day`, by the reports'
    rule: every entry booked before `at`, except import charges, minus what the calls made
    before it cost (by call day, from the spend rollup). At any moment after the last import
    this is the ledger's balance; before it, a call counts from the day it was made, however
    late it was imported."""
    entries = session.execute(
        select_columns(func.coalesce(func.sum(LedgerEntry.amount_micros), 0))
        .where(col(LedgerEntry.account_id) == account_id, _not_import_charge(),
               col(LedgerEntry.created_at) < at)).scalar_one()
    return int(entries) - spend_db.spend_before(session, account_id=account_id, day=day)
