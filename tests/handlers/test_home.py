"""App Home: opening the Home tab publishes the dashboard of the user's workspace."""

from decimal import Decimal

from sqlmodel import func, select

from storage.db import read_session
from storage.models import ProcessedEvent
from tests import payloads
from tests.factories import make_account
from tests.handlers.lazy import wait_for
from tests.slack import GERMAN, MEMBER


def home_opened(user, tab="home"):
    return {"type": "app_home_opened", "user": user, "channel": "D0TEST", "tab": tab,
            "event_ts": "1700000000.000300"}


def published_text(call):
    view = call.params["view"]
    assert view["type"] == "home"
    return "\n".join(str(block) for block in view["blocks"])


def test_home_shows_balance_and_state(bolt, clock):
    make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1000"))
    assert bolt.event(home_opened(MEMBER)).status == 200
    [call] = wait_for(bolt.slack, "views.publish")
    assert call.params["user_id"] == MEMBER
    text = published_text(call)
    assert "$1,000.00" in text and "active" in text and "deposit" in text


def test_home_in_german_for_a_german_user(bolt, clock):
    make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1000"))
    bolt.event(home_opened(GERMAN))
    text = published_text(wait_for(bolt.slack, "views.publish")[0])
    assert "1.000,00" in text and "Lizenzierte Benutzer" in text


def test_home_of_a_new_account_says_suspended(bolt):
    bolt.event(home_opened(MEMBER))
    text = published_text(wait_for(bolt.slack, "views.publish")[0])
    assert "$0.00" in text and "*suspended*" in text


def test_messages_tab_publishes_nothing(bolt):
    assert bolt.event(home_opened(MEMBER, tab="messages")).status == 200
    bolt.lazy.wait_idle()
    assert bolt.slack.calls_to("views.publish") == []


def test_home_is_published_after_the_ack(bolt, clock):
    # views.publish is held until the ack is back: inside the ack, the event would not be
    # answered before the gate's time-out, and the publish would already be recorded.
    make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1000"))
    gate = bolt.slack.hold("views.publish")
    assert bolt.event(home_opened(MEMBER)).status == 200
    assert bolt.slack.calls_to("views.publish") == []
    gate.set()
    [call] = wait_for(bolt.slack, "views.publish")
    assert "$1,000.00" in published_text(call)


def test_a_redelivered_home_event_publishes_the_same_view_and_writes_no_claim(bolt, clock):
    # views.publish replaces the tab: answering a redelivery again is harmless, so App Home
    # writes nothing inside its ack (no event claim).
    make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1000"))
    assert bolt.event(home_opened(MEMBER), event_id="EvHOME1").status == 200
    bolt.lazy.wait_idle()
    again = bolt.event(home_opened(MEMBER), event_id="EvHOME1",
                       headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status == 200
    bolt.lazy.wait_idle()
    first, second = wait_for(bolt.slack, "views.publish", count=2)
    assert first.params["view"] == second.params["view"]
    with read_session(bolt.engine) as session:
        assert session.exec(select(func.count()).select_from(ProcessedEvent)).one() == 0
