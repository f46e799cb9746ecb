"""The ASGI app through Starlette's TestClient: /slack/events, /healthz and /metrics."""

import json
import warnings

import pytest

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2; httpx is what this project pins.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bot.server import create_asgi, request_kind
from storage.db import make_engine
from tests import payloads
from tests.slack import ADMIN, MEMBER


@pytest.fixture
def http(bolt):
    with TestClient(create_asgi(bolt.app, engine=bolt.engine)) as client:
        yield client


def post_signed(http, body, content_type="application/x-www-form-urlencoded", **kwargs):
    headers = payloads.signed_headers(body, content_type=content_type, **kwargs)
    return http.post("/slack/events", content=body.encode(), headers=headers)


def metric(http, name, **labels):
    """The value of one sample on /metrics (0 when absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
                     if labels else "")
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    return 0.0


def test_signed_command_is_answered_in_the_ack(http, bolt):
    response = post_signed(http, payloads.slash_command("help", user_id=MEMBER,
                                                        response_url=bolt.slack.response_url()))
    assert response.status_code == 200
    assert "/credits balance" in response.json()["text"]


def test_bad_signature_is_refused(http):
    body = payloads.slash_command("balance", user_id=ADMIN)
    response = post_signed(http, body, secret="wrong-secret")
    assert response.status_code == 401


def test_events_and_url_verification_share_the_url(http, bolt):
    challenge = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    response = post_signed(http, challenge, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}
    event = payloads.event_callback(payloads.dm_event("help", user_id=MEMBER))
    assert post_signed(http, event, content_type="application/json").status_code == 200
    assert len(bolt.slack.calls_to("chat.postMessage")) == 1


def test_healthz_checks_the_database(http):
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["revision"]


def test_healthz_reports_an_unreachable_database(bolt, tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path}/missing/dir/credits.db")
    with TestClient(create_asgi(bolt.app, engine=broken)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "OperationalError"}
        assert metric(client, "credits_healthz_failures_total") == 1


def test_metrics_count_requests_by_kind_and_status(http, bolt):
    post_signed(http, payloads.slash_command("help", user_id=MEMBER))
    post_signed(http, payloads.slash_command("help", user_id=MEMBER))
    post_signed(http, payloads.slash_command("help", user_id=MEMBER), secret="wrong")
    assert metric(http, "credits_slack_requests_total", kind="command", status="200") == 2
    assert metric(http, "credits_slack_requests_total", kind="command", status="401") == 1
    assert metric(http, "credits_slack_ack_seconds_count", kind="command") == 3
    assert metric(http, "credits_slack_requests_in_flight") == 0
    assert "process_cpu_seconds_total" in http.get("/metrics").text


def test_only_post_reaches_slack_events(http):
    assert http.get("/slack/events").status_code == 405
    assert http.get("/slack/install").status_code == 404  # OAuth is not built


@pytest.mark.parametrize(("body", "kind"), [
    ({"command": "/credits", "text": ""}, "command"),
    ({"type": "event_callback", "event": {"type": "message"}}, "event"),
    ({"type": "url_verification", "challenge": "x"}, "url_verification"),
    ({"type": "block_actions", "actions": []}, "action"),
    ({"type": "view_submission", "view": {"callback_id": "v"}}, "view"),
    ({"type": "shortcut", "callback_id": "x"}, "shortcut"),
    ({"type": "something_new"}, "other"),
])
def test_request_kinds(body, kind):
    assert request_kind(body) == kind
