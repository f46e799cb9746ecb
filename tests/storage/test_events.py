"""Claims of Slack deliveries: the first claim wins, a retry sees it was handled."""

from datetime import timedelta

from storage.db import read_session
from storage.events import claim_event, prune_events, release_event


def claim(engine, key, now):
    with read_session(engine) as session:
        return claim_event(session=session, key=key, team_id="T1", now=now)


def test_first_claim_wins_and_a_retry_is_seen(engine, clock):
    assert claim(engine, "event:Ev1", clock.now()) is True
    assert claim(engine, "event:Ev1", clock.now()) is False
    assert claim(engine, "event:Ev2", clock.now()) is True


def test_a_released_claim_can_be_claimed_again(engine, clock):
    assert claim(engine, "event:Ev1", clock.now())
    with read_session(engine) as session:
        release_event(session=session, key="event:Ev1")
    assert claim(engine, "event:Ev1", clock.now()) is True


def test_a_seen_claim_leaves_the_transaction_usable(engine, clock):
    with read_session(engine) as session:
        assert claim_event(session=session, key="k", team_id="T1", now=clock.now())
        assert not claim_event(session=session, key="k", team_id="T1", now=clock.now())
        assert claim_event(session=session, key="k2", team_id="T1", now=clock.now())
    assert claim(engine, "k2", clock.now()) is False


def test_prune_deletes_only_old_claims(engine, clock):
    claim(engine, "old", clock.now() - timedelta(days=2))
    claim(engine, "new", clock.now())
    with read_session(engine) as session:
        assert prune_events(session=session, before=clock.now() - timedelta(days=1)) == 1
    assert claim(engine, "old", clock.now()) is True
    assert claim(engine, "new", clock.now()) is False
