"""The account summary (balance, App Home, DM answer): a fixed handful of reads however many
calls the account has, and a cached answer that is never stale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.accounts import Accounts
from bot.alerts.settings import AlertSettings
from bot.ledger import Ledger
from bot.licenses import Licenses
from bot.summary import AccountSummaries, _SharedProbe
from storage.db import make_engine
from tests.bot.usage.test_spend_rollup import DECK
from tests.dbs import raw_statements, statements
from tests.factories import make_account
from tests.imports import app_importer
from tests.money import usd


def calls_csv(count: int, *, first: int = 0) -> bytes:
    """`count` calls spread over the 30 days before the test clock's day."""
    lines = ["call_id,user,start,duration_seconds,destination_number,direction"]
    begin = datetime(2026, 10, 4, tzinfo=UTC)
    for index in range(first, first + count):
        start = begin + timedelta(days=index % 30, seconds=index * 7 % 86_400)
        lines.append(f"c{index},u{index % 50}@contoso.example,{start:%Y-%m-%dT%H:%M:%SZ},"
                     f"{30 + index % 300},+442075908301,outbound")
    return ("\n".join(lines) + "\n").encode()


def test_a_summary_costs_the_same_statements_with_1k_and_20k_calls(engine, clock):
    account = make_account(engine, clock, balance=Decimal(5000))
    importer = app_importer(engine, clock)
    importer.run(calls_csv(1_000), team_id="T1", deck=DECK, licensed_emails=(), name="a.csv")
    with statements(engine) as small:
        first = AccountSummaries(engine, clock, Accounts(engine, clock)).summary("T1")
    importer.run(calls_csv(19_000, first=1_000), team_id="T1", deck=DECK, licensed_emails=(),
                 name="b.csv")
    summaries = AccountSummaries(engine, clock, Accounts(engine, clock))
    with statements(engine) as large:
        second = summaries.summary("T1")
    assert len(small) == len(large) <= 10, large
    assert not any("call_records" in statement for statement in large)
    assert second.average_daily_spend is not None and first.average_daily_spend is not None
    assert second.average_daily_spend > first.average_daily_spend
    assert second.account.id == account.id
    with statements(engine) as cached, raw_statements(engine) as probed:
        assert summaries.summary("T1") is second
    # One probe, on a pooled DBAPI cursor: no Core statement, no BEGIN.
    assert cached == [] and len(probed) == 1 and "summary_version" in probed[0]


def test_a_cached_answer_changes_with_everything_it_shows(engine, clock):
    account = make_account(engine, clock, balance=Decimal(100))
    summaries = AccountSummaries(engine, clock, Accounts(engine, clock))
    renders: list[object] = []

    def shown() -> object:
        return summaries.rendered("T1", "test", lambda summary: renders.append(summary)
                                  or summary)

    before = shown()
    assert shown() is before and len(renders) == 1  # cached while nothing changes
    Ledger(engine, clock).deposit(account_id=account.id, amount=usd(50), key="d",
                                  actor="t")
    assert shown().account.balance == usd(150)  # type: ignore[attr-defined]
    AlertSettings(engine, clock, Accounts(engine, clock)).add_threshold(
        account_id=account.id, amount=usd(20))
    assert shown().thresholds == (usd(20),)  # type: ignore[attr-defined]
    Licenses(engine, clock).assign(account_id=account.id, slack_user_id="U9",
                                   email="u9@contoso.example", actor="t")
    assert shown().license_count == 1  # type: ignore[attr-defined]
    Accounts(engine, clock).set_autorecharge("T1", enabled=True, amount=usd(100),
                                             below=usd(10))
    assert shown().account.autorecharge_enabled  # type: ignore[attr-defined]
    app_importer(engine, clock).run(calls_csv(10), team_id="T1", deck=DECK, licensed_emails=(),
                                    name="c.csv")
    spending = shown()
    assert spending.average_daily_spend is not None  # type: ignore[attr-defined]
    count = len(renders)
    clock.set(clock.now() + timedelta(days=1))  # the forecast moves with the day
    assert shown() is not spending and len(renders) == count + 1


def test_a_cached_answer_sees_a_write_of_another_process(db_url, engine, clock):
    # The probe runs on a pooled DBAPI connection outside Core: it still reads the committed
    # state, also when the write comes from another engine (the scheduler, an import job).
    account = make_account(engine, clock, balance=Decimal(100))
    summaries = AccountSummaries(engine, clock, Accounts(engine, clock))
    for _ in range(3):  # the pool's connections have all probed before the write
        assert summaries.summary("T1").account.balance == usd(100)
    other = make_engine(db_url)
    try:
        Ledger(other, clock).deposit(account_id=account.id, amount=usd(5), key="other",
                                     actor="t")
    finally:
        other.dispose()
    assert summaries.summary("T1").account.balance == usd(105)


def test_a_probe_that_fails_in_the_driver_is_asked_again_through_core(engine, clock):
    make_account(engine, clock, balance=Decimal(100))
    summaries = AccountSummaries(engine, clock, Accounts(engine, clock))
    first = summaries.summary("T1")
    summaries._probe.probe.sql = "SELECT no_such_column FROM accounts"  # a driver error
    with statements(engine) as core:
        assert summaries.summary("T1") is first
    assert len(core) <= 2 and "summary_version" in core[-1]  # the Core probe (and BEGIN)


def test_one_askers_probe_is_never_an_earlier_ones():
    asked: list[str] = []
    probe = _SharedProbe(lambda team: (asked.append(team), (len(asked),))[1])
    assert [probe("T1"), probe("T1"), probe("T2")] == [(1,), (2,), (3,)]


def ask_in_a_wave(ask: Callable[[], None], probes: list[int], gate: threading.Event, *,
                  behind: int) -> None:
    """One asker starts a probe held at `gate`; `behind` more ask while it is held; then the
    gate opens and every asker ends."""
    first = threading.Thread(target=ask)
    first.start()
    while probes[0] == 0:
        time.sleep(0.001)
    others = [threading.Thread(target=ask) for _ in range(behind)]
    for thread in others:
        thread.start()
    time.sleep(0.05)  # the others wait behind the first probe
    gate.set()
    for thread in [first, *others]:
        thread.join(5)


def test_askers_at_once_share_a_probe_that_started_after_they_asked():
    # A "write" bumps `version`; each asker notes the version when it asks, and the answer it
    # gets must be at least that: it never misses a change committed before it asked.
    version, probes = [0], [0]
    gate = threading.Event()

    def slow_probe(team: str) -> tuple[int]:
        probes[0] += 1
        seen = version[0]
        gate.wait(5)
        return (seen,)

    shared = _SharedProbe(slow_probe)
    results: list[tuple[int, tuple[int] | None]] = []
    lock = threading.Lock()

    def ask() -> None:
        with lock:
            version[0] += 1  # a write committed just before this asker asks
            before = version[0]
        answer = shared("T1")
        with lock:
            results.append((before, answer))

    ask_in_a_wave(ask, probes, gate, behind=20)
    assert len(results) == 21
    assert all(answer is not None and answer[0] >= before for before, answer in results)
    assert probes[0] <= 3  # one for the first asker, then one (rarely two) for the wave


def test_askers_waiting_on_a_probe_that_fails_fail_with_it_instead_of_queueing():
    calls, gate = [0], threading.Event()

    def failing(team: str) -> tuple[int]:
        calls[0] += 1
        gate.wait(5)
        raise ConnectionError("database down")

    shared = _SharedProbe(failing)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            shared("T1")
        except ConnectionError as exc:
            errors.append(exc)

    ask_in_a_wave(ask, calls, gate, behind=10)
    assert len(errors) == 11 and calls[0] <= 3  # not one more probe (and timeout) per asker
    gate.clear()
    calls[0] = 0
    shared.probe = lambda team: (7,)
    assert shared("T1") == (7,)  # the next asker tries again
