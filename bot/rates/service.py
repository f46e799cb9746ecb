"""The rate deck service: load, replace, quote and price against the database's deck."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bot.clock import Clock
from bot.errors import InvalidRateDeck
from bot.rates.deck import RateDeck, RateQuote
from bot.rates.deck_file import is_sample_file, load_deck_file
from bot.rates.store import current_deck, ensure_sample_deck, replace_deck


@dataclass(frozen=True)
class LoadResult:
    """What `rates load` did."""

    count: int
    source: str
    sample: bool


class Rates:
    """The rate deck service: loads, replaces, quotes and prices against the database's deck."""

    def __init__(self, engine: Engine, clock: Clock, *, rates_file: Path | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.rates_file = rates_file

    def deck(self) -> RateDeck:
        """The deck in force; the sample (or CREDITS_RATES_FILE) is loaded if none is yet."""
        deck = current_deck(self.engine)
        if not len(deck) and ensure_sample_deck(self.engine, self.rates_file,
                                                now=self.clock.now()):
            deck = current_deck(self.engine)
        return deck

    def load_file(self, path: Path | str) -> LoadResult:
        """Validate a deck file and replace the deck with it; a bad file changes nothing."""
        rows, errors = load_deck_file(path)
        if errors:
            raise InvalidRateDeck(f"{Path(path).name} has {len(errors)} bad row(s); the deck "
                                  "was not changed.", tuple(errors))
        sample = is_sample_file(path)
        count = replace_deck(self.engine, rows, source=Path(path).name, sample=sample,
                             now=self.clock.now())
        return LoadResult(count=count, source=Path(path).name, sample=sample)

    def quote(self, query: str, *, region: str | None = "US") -> RateQuote:
        """Quote a number, country or toll-free question on today's (UTC) deck."""
        return self.deck().quote(query, region=region, on=self.clock.now().date())
