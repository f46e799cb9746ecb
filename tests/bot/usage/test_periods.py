"""Report periods in the account's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidPeriod
from bot.usage.periods import parse_period

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_this_month_is_the_default():
    period = parse_period(None, now=NOW)
    assert (period.first_day, period.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (period.start, period.end) == (datetime(2026, 11, 1, tzinfo=UTC),
                                          datetime(2026, 12, 1, tzinfo=UTC))
    assert period.label == "this month (November 2026)"
    assert parse_period("", now=NOW) == period
    assert parse_period("This-Month", now=NOW).start == period.start


def test_last_month_across_a_year():
    period = parse_period("last-month", now=datetime(2026, 1, 15, tzinfo=UTC))
    assert (period.first_day, period.last_day) == (date(2025, 12, 1), date(2025, 12, 31))


def test_last_n_days_includes_today():
    period = parse_period("last-30-days", now=NOW)
    assert (period.first_day, period.last_day) == (date(2026, 10, 4), date(2026, 11, 2))
    assert len(period.days()) == 30
    assert period.end == datetime(2026, 11, 3, tzinfo=UTC)
    assert parse_period("last-1-day", now=NOW).days() == [date(2026, 11, 2)]


def test_month_and_range():
    february = parse_period("2028-02", now=NOW)
    assert february.last_day == date(2028, 2, 29) and february.label == "February 2028"
    span = parse_period("2026-10-01..2026-10-15", now=NOW)
    assert (span.first_day, span.last_day, len(span.days())) == (date(2026, 10, 1),
                                                                 date(2026, 10, 15), 15)
    assert span.end == datetime(2026, 10, 16, tzinfo=UTC)


def test_periods_follow_the_account_time_zone():
    # 00:30 on 1 Nov in Berlin is still October in UTC.
    now = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    berlin = parse_period("this-month", timezone="Europe/Berlin", now=now)
    assert berlin.first_day == date(2026, 11, 1)
    assert berlin.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET, UTC+1
    assert parse_period("this-month", now=now).first_day == date(2026, 10, 1)


def test_daily_buckets_follow_daylight_saving():
    october = parse_period("2026-10", timezone="Europe/Berlin", now=NOW)
    bounds = october.day_starts()
    assert bounds[0] == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # CEST
    assert bounds[-1] == october.end == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET
    assert len(bounds) == 32
    assert bounds[24] == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 25 October, CEST
    assert bounds[25] - bounds[24] == timedelta(hours=25)  # the clocks go back that night


@pytest.mark.parametrize(("text", "message"), [
    ("yesterday", "is not a period"), ("2026-13", "is not a month"),
    ("2026-02-30..2026-03-01", "does not exist"), ("2026-10-05..2026-10-01", "ends before"),
    ("last-0-days", "1 to"), ("last-5000-days", "1 to"),
    ("2020-01-01..2026-01-01", "longer than"),
])
def test_bad_periods_show_the_usage(text, message):
    with pytest.raises(InvalidPeriod, match=message) as error:
        parse_period(text, now=NOW)
    if "is not" in message:
        assert "last-N-days" in str(error.value)


def test_unknown_time_zone():
    with pytest.raises(InvalidPeriod, match="time zone"):
        parse_period(None, timezone="Mars/Olympus", now=NOW)


