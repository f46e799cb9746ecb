"""The console's demo usage: a month of plausible calls, so usage, reports and the forecast have
something to show on a fresh machine. Generated (seeded, so the same day gives the same calls),
written as a plain CDR file and imported through the real importer, rated against the deck.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

DEMO_DAYS = 30
# (destination, weight): numbers that the bundled sample deck prices.
DESTINATIONS = (
    ("+442079460{:03d}", 5), ("+4930901820{:02d}", 4), ("+4915123456{:03d}", 2),
    ("+3314432{:04d}", 3), ("+81312345{:03d}", 2), ("+912212345{:03d}", 2),
    ("+5511987654{:03d}", 1), ("+1212555{:04d}", 6), ("+1800555{:04d}", 3),
)
CALLERS = ("you@console.example", "grace.hopper@console.example",
           "alan.turing@console.example", "ada.lovelace@console.example")
HEADER = "call_id,user,start,duration_seconds,destination_number,direction\n"


def demo_start(now: datetime, *, days: int = DEMO_DAYS) -> datetime:
    """Midnight of the first demo day: the demo's first deposit is booked then, before the
    first call, so the balance history starts with the money instead of at zero."""
    return (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)


def demo_calls_csv(now: datetime, *, days: int = DEMO_DAYS, seed: int = 7) -> bytes:
    """Calls on each of the `days` days before `now` (working hours, a few a day per caller).

    Each call's id is made of its day and number within the day, so a console started again
    later adds only the days that are new since (the importer skips the calls it has).
    """
    lines = [HEADER]
    patterns, weights = zip(*DESTINATIONS, strict=True)
    for back in range(days, 0, -1):
        day = (now - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
        rng = random.Random(f"{seed}:{day:%Y-%m-%d}")
        calls = rng.randint(6, 14) if day.weekday() < 5 else rng.randint(0, 2)
        for index in range(calls):
            start = day + timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59),
                                    seconds=rng.randint(0, 59))
            pattern = rng.choices(patterns, weights)[0]
            number = pattern.format(rng.randint(0, 999))
            direction = "tollfree_inbound" if number.startswith("+1800") else "outbound"
            duration = rng.choice((0, 45, 61, 120, 185, 300, 540, 900, 1260))
            lines.append(f"demo-{day:%Y%m%d}-{index},{rng.choice(CALLERS)},"
                         f"{start:%Y-%m-%dT%H:%M:%SZ},{duration},{number},{direction}\n")
    return "".join(lines).encode()
