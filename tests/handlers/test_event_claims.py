"""An event's claim is a lease until its answer is out: a crash before the answer lets Slack's
retry through, while duplicates that arrive together are answered once."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from storage.db import write_transaction
from storage.events import claim_event
from tests import payloads
from tests.factories import make_account
from tests.slack import MEMBER

LEASE = timedelta(seconds=30)  # CREDITS_EVENT_LEASE_SECONDS' default
RETRY = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}


@pytest.fixture
def funded(bolt, clock):
    return make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1234.50"))


def answers(bolt) -> list[str]:
    return [str(c.params["text"]) for c in bolt.slack.calls_to("chat.postMessage")]


def claimed_by_a_process_that_died(bolt, clock, event_id: str) -> None:
    """What a delivery leaves when its process is killed before it answered: the claim."""
    with write_transaction(bolt.engine) as session:
        claim_event(session=session, key=f"event:{event_id}", team_id=payloads.TEAM,
                    now=clock.now(), lease=LEASE)


def test_a_retry_after_a_crash_before_the_answer_is_answered(bolt, funded, clock):
    event = payloads.dm_event("balance", user_id=MEMBER)
    claimed_by_a_process_that_died(bolt, clock, "EvKILLED")
    # Slack's immediate retry comes while the dead holder's lease is live: "come back later",
    # not "already handled" (a 200 would end Slack's retries and lose the question).
    early = bolt.event(event, event_id="EvKILLED", headers=RETRY)
    assert early.status == 503 and answers(bolt) == []
    clock.advance(LEASE)  # Slack's next retry comes about a minute later
    late = bolt.event(event, event_id="EvKILLED", headers={"x-slack-retry-num": "2"})
    assert late.status == 200
    [answer] = answers(bolt)
    assert "$1,234.50" in answer
    # Answered now: the last retry changes nothing.
    clock.advance(timedelta(minutes=5))
    assert bolt.event(event, event_id="EvKILLED", headers={"x-slack-retry-num": "3"}).status \
        == 200
    assert len(answers(bolt)) == 1


def test_duplicates_that_arrive_together_are_answered_once(bolt, funded):
    event = payloads.dm_event("balance", user_id=MEMBER)
    statuses, barrier = [], threading.Barrier(8)

    def deliver():
        barrier.wait()
        statuses.append(bolt.event(event, event_id="EvTOGETHER", headers=RETRY).status)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers(bolt)) == 1
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}
    assert bolt.event(event, event_id="EvTOGETHER", headers=RETRY).status == 200
    assert len(answers(bolt)) == 1


def test_an_answered_event_stays_answered_after_the_lease(bolt, funded, clock):
    event = payloads.dm_event("balance", user_id=MEMBER)
    assert bolt.event(event, event_id="EvDONE").status == 200
    clock.advance(LEASE * 3)
    assert bolt.event(event, event_id="EvDONE", headers=RETRY).status == 200
    assert len(answers(bolt)) == 1


def test_a_mention_after_a_crash_is_answered_in_its_thread(bolt, funded, clock):
    event = {"type": "app_mention", "user": MEMBER, "channel": "C0TEST",
             "text": "<@UBOT> balance", "ts": "1700000000.000200"}
    claimed_by_a_process_that_died(bolt, clock, "EvMENTION")
    clock.advance(LEASE)
    assert bolt.event(event, event_id="EvMENTION", headers=RETRY).status == 200
    [call] = bolt.slack.calls_to("chat.postMessage")
    assert call.params["thread_ts"] == "1700000000.000200"
