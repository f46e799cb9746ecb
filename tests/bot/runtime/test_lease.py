"""The scheduler lease: one holder at a time, takeover after expiry with a new token, fencing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.runtime.lease import Lease, LeaseLost
from storage.db import read_session, write_transaction
from tests import reads

TTL = timedelta(seconds=3)


def make(engine, clock, holder):
    return Lease(engine, clock, ttl=TTL, holder=holder)


def test_first_heartbeat_takes_the_free_lease(engine, clock):
    a = make(engine, clock, "a")
    assert a.heartbeat() is True
    assert a.held() and a.token == 1
    with read_session(engine) as session:
        row = reads.get_lease(session=session, name="scheduler")
    assert row is not None
    assert (row.holder, row.token) == ("a", 1)
    assert row.expires_at == clock.now() + TTL


def test_a_held_lease_is_not_taken_and_renewal_keeps_the_token(engine, clock):
    a, b = make(engine, clock, "a"), make(engine, clock, "b")
    assert a.heartbeat()
    assert b.heartbeat() is False and not b.held()
    clock.advance(timedelta(seconds=2))
    assert a.heartbeat() and a.token == 1  # renewed: expires 3 s after this heartbeat
    clock.advance(timedelta(seconds=2))
    assert b.heartbeat() is False
    assert a.held()


def test_an_expired_lease_is_taken_over_with_a_new_token(engine, clock):
    a, b = make(engine, clock, "a"), make(engine, clock, "b")
    a.heartbeat()
    clock.advance(TTL)
    assert not a.held()  # a's own view: expired
    assert b.heartbeat() and b.token == 2
    assert a.heartbeat() is False  # a comes back: the lease is b's now
    assert not a.held()


def test_the_old_holder_is_fenced_out_inside_its_transaction(engine, clock):
    a, b = make(engine, clock, "a"), make(engine, clock, "b")
    a.heartbeat()
    stale = a.token
    assert stale is not None
    with write_transaction(engine) as session:
        a.fence(session, stale)  # valid: nothing raised
    clock.advance(TTL + timedelta(seconds=1))
    b.heartbeat()
    with pytest.raises(LeaseLost), write_transaction(engine) as session:
        a.fence(session, stale)
    with write_transaction(engine) as session:
        b.fence(session, b.token or 0)


def test_an_expired_lease_of_the_same_holder_is_renewed_with_its_token(engine, clock):
    a = make(engine, clock, "a")
    a.heartbeat()
    clock.advance(TTL * 2)
    assert a.heartbeat() and a.token == 1  # nobody else held it meanwhile: no new token


def test_release_lets_a_standby_take_over_at_once(engine, clock):
    a, b = make(engine, clock, "a"), make(engine, clock, "b")
    a.heartbeat()
    a.release()
    assert not a.held()
    assert b.heartbeat() and b.token == 2


def test_racing_takers_get_exactly_one_lease(engine, clock):
    leases = [make(engine, clock, f"p{i}") for i in range(6)]
    results: list[bool] = []
    barrier = threading.Barrier(len(leases))

    def race(lease: Lease) -> None:
        barrier.wait()
        results.append(lease.heartbeat())

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    clock.advance(TTL)
    barrier.reset()
    results.clear()
    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    holders = [lease for lease in leases if lease.held()]
    assert len(holders) == 1
    # The first holder renews its own expired lease with its token; anyone else takes over.
    assert holders[0].token in (1, 2)
