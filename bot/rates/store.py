"""The deck in the database: load, replace and cache it in memory per engine."""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from bot.errors import InvalidRateDeck
from bot.rates.deck import RateDeck, RateRow
from bot.rates.deck_file import SAMPLE_DECK, is_sample_file, load_deck_file
from storage import rates as rates_db
from storage.db import read_session, write_transaction
from storage.models import Rate
from storage.units import to_micros

_decks: weakref.WeakKeyDictionary[Engine, RateDeck] = weakref.WeakKeyDictionary()
_decks_lock = threading.Lock()


def current_deck(engine: Engine) -> RateDeck:
    """The database's deck in memory, rebuilt only when a load replaced it (any process)."""
    with read_session(engine) as session:
        identity = rates_db.deck_identity(session=session)
        with _decks_lock:
            cached = _decks.get(engine)
        if identity is None:
            return RateDeck(())
        if cached is not None and cached.deck_id == identity[0]:
            return cached
        stored = rates_db.list_rates(session=session)
    deck = RateDeck((_from_model(rate) for rate in stored), deck_id=identity[0],
                    source=identity[1], sample=identity[2])
    with _decks_lock:
        _decks[engine] = deck
    return deck


def replace_deck(engine: Engine, rows: Sequence[RateRow], *, source: str, sample: bool,
                 now: datetime) -> int:
    """Replace the whole deck atomically; returns the number of rates."""
    if not rows:
        raise InvalidRateDeck("A deck needs at least one rate.")
    models = _to_models(rows, source=source, sample=sample, now=now)
    with write_transaction(engine) as session:
        count = rates_db.replace_rates(session=session, rows=models)
    forget_deck(engine)
    return count


def ensure_sample_deck(engine: Engine, path: Path | str | None = None, *,
                       now: datetime) -> bool:
    """Load the bundled sample (or `path`, e.g. CREDITS_RATES_FILE) when no deck is loaded."""
    with read_session(engine) as session:
        if rates_db.count_rates(session=session):
            return False
    source = Path(path) if path is not None else SAMPLE_DECK
    rows, errors = load_deck_file(source)
    if errors:
        raise InvalidRateDeck(f"The rate deck {source} has {len(errors)} bad row(s): "
                              + "; ".join(str(e) for e in errors[:5]), tuple(errors))
    models = _to_models(rows, source=source.name, sample=is_sample_file(source), now=now)
    with write_transaction(engine) as session:
        rates_db.lock_rates(session=session)
        if rates_db.count_rates(session=session):
            return False  # another process loaded one first
        rates_db.replace_rates(session=session, rows=models)
    forget_deck(engine)
    return True


def forget_deck(engine: Engine) -> None:
    """Drop this process's cached deck of an engine."""
    with _decks_lock:
        _decks.pop(engine, None)


def _to_models(rows: Sequence[RateRow], *, source: str, sample: bool, now: datetime) -> list[Rate]:
    deck_id = uuid.uuid4().hex
    return [Rate(prefix=row.prefix, destination=row.destination, number_type=row.number_type,
                 direction=row.direction, rate_per_min_micros=to_micros(row.rate_per_min),
                 connection_fee_micros=to_micros(row.connection_fee),
                 initial_increment=row.initial_increment,
                 recurring_increment=row.recurring_increment, currency=row.currency,
                 effective_from=row.effective_from, deck_id=deck_id, deck_source=source[:200],
                 sample=sample, loaded_at=now)
            for row in rows]


def _from_model(rate: Rate) -> RateRow:
    return RateRow(prefix=rate.prefix, destination=rate.destination,
                   number_type=rate.number_type, direction=rate.direction,
                   rate_per_min=_amount(rate.rate_per_min_micros),
                   connection_fee=_amount(rate.connection_fee_micros),
                   initial_increment=rate.initial_increment,
                   recurring_increment=rate.recurring_increment, currency=rate.currency,
                   effective_from=rate.effective_from)


def _amount(micros: int) -> Decimal:
    """Micro-units as a Decimal of 4 decimals, or 6 where the rate needs them."""
    return Decimal(micros).scaleb(-6).quantize(Decimal("0.0001") if micros % 100 == 0
                                               else Decimal("0.000001"))
