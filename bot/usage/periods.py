"""Report periods (DESIGN §2) in the account's time zone, as half-open UTC intervals.

`this-month` (the default), `last-month`, `last-N-days` (the N calendar days up to and including
today), `YYYY-MM`, and `YYYY-MM-DD..YYYY-MM-DD` (both days included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidPeriod

DEFAULT_PERIOD = "this-month"
PERIOD_USAGE = ("a period is `this-month` (the default), `last-month`, `last-N-days` "
                "(e.g. `last-30-days`), a month `YYYY-MM` or a range `YYYY-MM-DD..YYYY-MM-DD`")
MAX_DAYS = 3 * 366
# Communications Credits did not exist before 2000, and no report looks past 2100: a year outside
# is a typo (or a probe: `9999-12` would run past the last date Python can hold).
MIN_YEAR, MAX_YEAR = 2000, 2100

_LAST_DAYS = re.compile(r"last-(\d{1,4})-days?")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Period:
    """Calendar days [first_day, last_day] in `timezone`; `start`/`end` in UTC, end excluded."""

    text: str
    label: str
    first_day: date
    last_day: date
    timezone: str
    start: datetime
    end: datetime

    def days(self) -> list[date]:
        """Every calendar day of the period, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=offset) for offset in range(count)]

    def day_starts(self) -> list[datetime]:
        """The UTC instant each day begins, and the end: the bounds of the daily buckets."""
        zone = zone_of(self.timezone)
        return [_midnight(day, zone) for day in self.days()] + [self.end]


def parse_period(text: str | None, *, timezone: str = "UTC", now: datetime) -> Period:
    """Read a period in the account's time zone; `now` is the clock's time."""
    raw = (text or "").strip()
    word = raw.lower() or DEFAULT_PERIOD
    zone = zone_of(timezone)
    today = now.astimezone(zone).date()
    if word == "this-month":
        first = today.replace(day=1)
        return _period(raw or word, f"this month ({first:%B %Y})", first,
                       _month_end(first), timezone, zone)
    if word == "last-month":
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return _period(raw, f"last month ({first:%B %Y})", first, _month_end(first), timezone,
                       zone)
    match = _LAST_DAYS.fullmatch(word)
    if match:
        count = int(match[1])
        if not 1 <= count <= MAX_DAYS:
            raise InvalidPeriod(f"`{_show(raw)}`: the number of days must be 1 to {MAX_DAYS}.")
        first = today - timedelta(days=count - 1)
        return _period(raw, f"last {count} day{'s' if count > 1 else ''} "
                       f"({first.isoformat()} – {today.isoformat()})", first, today, timezone,
                       zone)
    match = _MONTH.fullmatch(word)
    if match:
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"`{_show(raw)}` is not a month: {PERIOD_USAGE}.")
        _check_years(raw, year)
        first = date(year, month, 1)
        return _period(raw, f"{first:%B %Y}", first, _month_end(first), timezone, zone)
    match = _RANGE.fullmatch(word)
    if match:
        _check_years(raw, int(match[1][:4]), int(match[2][:4]))
        try:
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            raise InvalidPeriod(f"`{_show(raw)}` has a day that does not exist: "
                                f"{PERIOD_USAGE}.") from None
        if last < first:
            raise InvalidPeriod(f"`{_show(raw)}` ends before it starts.")
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidPeriod(f"`{_show(raw)}` is longer than {MAX_DAYS} days.")
        return _period(raw, f"{first.isoformat()} – {last.isoformat()}", first, last, timezone,
                       zone)
    raise InvalidPeriod(f"`{_show(raw)}` is not a period: {PERIOD_USAGE}.")


def _check_years(raw: str, *years: int) -> None:
    if not all(MIN_YEAR <= year <= MAX_YEAR for year in years):
        raise InvalidPeriod(f"`{_show(raw)}`: a period lies in the years {MIN_YEAR} to "
                            f"{MAX_YEAR}.")


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone of an account (UTC when it names none)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPeriod(f"`{name}` is not a time zone such as Europe/Berlin.") from None


def _period(text: str, label: str, first: date, last: date, timezone: str,
            zone: ZoneInfo) -> Period:
    return Period(text=text or DEFAULT_PERIOD, label=label, first_day=first, last_day=last,
                  timezone=timezone or "UTC", start=_midnight(first, zone),
                  end=_midnight(last + timedelta(days=1), zone))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _show(text: str) -> str:
    clean = text.replace("`", "'")
    return clean if len(clean) <= 30 else clean[:29] + "…"
