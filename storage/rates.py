"""Queries on the rate deck: read it whole, count it, and replace it whole in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, text
from sqlmodel import Session, col, select

from storage.models import Rate

_INSERT_CHUNK = 5_000


def lock_rates(*, session: Session) -> None:
    """Serialise deck replacements on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).

    EXCLUSIVE mode lets readers go on with the old deck while a new one is written, but stops a
    second replacement from deleting before the first commits and leaving both decks' rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE rates IN EXCLUSIVE MODE"))


def replace_rates(*, session: Session, rows: Sequence[Rate]) -> int:
    """Delete every rate and insert `rows`, inside the caller's transaction."""
    lock_rates(session=session)
    session.execute(delete(Rate))
    values = [row.model_dump(exclude={"id"}) for row in rows]
    for start in range(0, len(values), _INSERT_CHUNK):
        session.execute(insert(Rate), values[start:start + _INSERT_CHUNK])
    return len(values)


def list_rates(*, session: Session) -> Sequence[Rate]:
    """Every row of the deck, by prefix, direction and date."""
    statement = select(Rate).order_by(col(Rate.prefix), col(Rate.direction),
                                      col(Rate.effective_from))
    return session.exec(statement).all()


def count_rates(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Rate)).one())


def deck_identity(*, session: Session) -> tuple[str, str, bool] | None:
    """(deck id, source, sample) of the loaded deck, or None when the table is empty."""
    row = session.exec(select(Rate.deck_id, Rate.deck_source, Rate.sample).limit(1)).first()
    return None if row is None else (row[0], row[1], bool(row[2]))
