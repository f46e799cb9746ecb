"""Claims of Slack deliveries: a lease until answered; a lapsed lease is taken over once."""

import threading
from datetime import timedelta

from storage.db import read_session, write_transaction
from storage.events import Claim, claim_event, finish_event, prune_events, release_event
from storage.models import ProcessedEvent

LEASE = timedelta(seconds=30)


def claim(engine, key, now):
    with write_transaction(engine) as session:
        return claim_event(session=session, key=key, team_id="T1", now=now, lease=LEASE)


def finish(engine, key):
    with read_session(engine) as session:
        finish_event(session=session, key=key)


def test_first_claim_wins_and_a_retry_during_the_lease_is_told_to_come_back(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN
    assert claim(engine, "event:Ev1", clock.now()) is Claim.BUSY
    assert claim(engine, "event:Ev2", clock.now()) is Claim.TAKEN


def test_an_answered_claim_is_never_taken_again(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN
    finish(engine, "event:Ev1")
    assert claim(engine, "event:Ev1", clock.now()) is Claim.ANSWERED
    assert claim(engine, "event:Ev1", clock.now() + timedelta(hours=1)) is Claim.ANSWERED


def test_a_claim_whose_holder_never_answered_lapses_and_is_taken_over(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN  # then the holder dies
    assert claim(engine, "event:Ev1", clock.now() + LEASE - timedelta(seconds=1)) is Claim.BUSY
    later = clock.now() + LEASE
    assert claim(engine, "event:Ev1", later) is Claim.TAKEN
    # The new holder has a lease of its own.
    assert claim(engine, "event:Ev1", later + timedelta(seconds=1)) is Claim.BUSY


def test_claims_from_before_leases_count_as_answered(engine, clock):
    with read_session(engine) as session:
        session.add(ProcessedEvent(key="event:old", team_id="T1", created_at=clock.now()))
    assert claim(engine, "event:old", clock.now()) is Claim.ANSWERED


def test_a_released_claim_can_be_claimed_again(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN
    with read_session(engine) as session:
        release_event(session=session, key="event:Ev1")
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN


def test_a_seen_claim_leaves_the_transaction_usable(engine, clock):
    with write_transaction(engine) as session:
        now = clock.now()
        assert claim_event(session=session, key="k", team_id="T1", now=now,
                           lease=LEASE) is Claim.TAKEN
        assert claim_event(session=session, key="k", team_id="T1", now=now,
                           lease=LEASE) is Claim.BUSY
        assert claim_event(session=session, key="k2", team_id="T1", now=now,
                           lease=LEASE) is Claim.TAKEN
    assert claim(engine, "k2", clock.now()) is Claim.BUSY


def test_concurrent_takeovers_of_a_lapsed_claim_let_one_through(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is Claim.TAKEN
    later = clock.now() + LEASE * 2
    results, barrier = [], threading.Barrier(6)

    def retry():
        barrier.wait()
        results.append(claim(engine, "event:Ev1", later))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.value for r in results) == ["busy"] * 5 + ["taken"]


def test_prune_deletes_only_old_claims(engine, clock):
    claim(engine, "old", clock.now() - timedelta(days=2))
    claim(engine, "new", clock.now())
    with read_session(engine) as session:
        assert prune_events(session=session, before=clock.now() - timedelta(days=1)) == 1
    assert claim(engine, "old", clock.now()) is Claim.TAKEN
    assert claim(engine, "new", clock.now()) is Claim.BUSY
