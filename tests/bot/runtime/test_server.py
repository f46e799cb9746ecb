"""The ASGI app through Starlette's TestClient: /slack/events, /healthz and /metrics."""

import json
import warnings

import pytest

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2; httpx is what this project pins.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bot.runtime.server import create_asgi, request_kind
from storage.db import make_engine
from tests import payloads
from tests.slack import ADMIN, MEMBER


@pytest.fixture
def http(bolt):
    with TestClient(create_asgi(bolt.app, engine=bolt.engine,
                                signing_secret=payloads.SIGNING_SECRET)) as client:
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
    with TestClient(create_asgi(bolt.app, engine=broken,
                                signing_secret=payloads.SIGNING_SECRET)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "OperationalError"}
        assert metric(client, "credits_healthz_failures_total") == 1


def test_metrics_count_requests_by_kind_and_status(http, bolt):
    post_signed(http, payloads.slash_command("help", user_id=MEMBER))
    post_signed(http, payloads.slash_command("help", user_id=MEMBER))
    post_signed(http, payloads.slash_command("help", user_id=MEMBER), secret="wrong")
    assert metric(http, "credits_slack_requests_total", kind="command", status="200") == 2
    # Unsigned: refused before parsing, so its kind is never read.
    assert metric(http, "credits_slack_requests_total", kind="refused", status="401") == 1
    assert metric(http, "credits_slack_ack_seconds_count", kind="command") == 2
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


# -- request limits (DESIGN §9): bounded reads, signature before parsing, 4xx never 500 -------

def post_raw(http, body: bytes, headers):
    return http.post("/slack/events", content=body, headers=headers)


def signed_bytes_headers(body: bytes, content_type="application/json", **kwargs):
    """Headers signing raw bytes (which need not be UTF-8) with Slack's v0 scheme."""
    import hashlib
    import hmac

    headers = payloads.signed_headers("", content_type=content_type, **kwargs)
    base = b"v0:" + headers["x-slack-request-timestamp"].encode() + b":" + body
    digest = hmac.new(payloads.SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers["x-slack-signature"] = "v0=" + digest
    return headers


MALFORMED = [
    pytest.param(b"{not json", "application/json", id="invalid-json"),
    pytest.param(b"[1, 2, 3]", "application/json", id="json-array"),
    pytest.param(b'"just a string"', "application/json", id="json-string"),
    pytest.param(b"payload=%7Bnot-json", "application/x-www-form-urlencoded",
                 id="payload-not-json"),
    pytest.param(b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded",
                 id="payload-array"),
    pytest.param(b"\xff\xfe\x00bad utf-8", "application/json", id="invalid-utf8"),
    pytest.param(b"command=%2Fcredits&text=help", "application/json", id="form-sent-as-json"),
    pytest.param(b"[" * 100_000, "application/json", id="deeply-nested"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_an_unsigned_malformed_body_is_refused_never_500(http, body, content_type):
    import time

    response = post_raw(http, body, {"content-type": content_type,
                                     "x-slack-request-timestamp": str(int(time.time())),
                                     "x-slack-signature": "v0=00"})
    # 400 only for bytes that are not UTF-8 (no signature can be checked on them).
    assert response.status_code == (400 if b"\xff" in body else 401)
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_a_signed_malformed_body_is_400_never_500(http, bolt, body, content_type):
    response = post_raw(http, body, signed_bytes_headers(body, content_type=content_type))
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert bolt.slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("timestamp", ["not-a-number", "1" * 5000, "-1", "1e9", " 12", ""])
def test_a_malformed_timestamp_is_401(http, timestamp):
    body = payloads.slash_command("help", user_id=MEMBER)
    headers = payloads.signed_headers(body)
    headers["x-slack-request-timestamp"] = timestamp
    response = http.post("/slack/events", content=body.encode(), headers=headers)
    assert response.status_code == 401


def test_a_stale_signature_is_401(http):
    body = payloads.slash_command("help", user_id=MEMBER)
    import time

    response = post_signed(http, body, timestamp=int(time.time()) - 600)
    assert response.status_code == 401


def test_a_declared_body_over_1_mb_is_413_before_it_is_read(http):
    body = b"x" * ((1 << 20) + 1)
    response = post_raw(http, body, signed_bytes_headers(body))
    assert response.status_code == 413


def test_a_chunked_body_over_1_mb_is_413(http):
    def chunks():
        for _ in range(3):
            yield b"x" * (512 * 1024)

    response = http.post("/slack/events", content=chunks(),
                         headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_body_of_exactly_1_mb_is_read(http, bolt):
    text = payloads.slash_command("help", user_id=MEMBER, response_url=bolt.slack.response_url())
    text += "&pad=" + "x" * ((1 << 20) - len(text) - 5)
    assert len(text) == 1 << 20
    response = post_signed(http, text)
    assert response.status_code == 200 and "/credits balance" in response.json()["text"]


def test_a_bad_content_length_is_400(http):
    from bot.runtime.inbound import Refused, read_body

    async def nothing():
        if False:
            yield b""

    import asyncio

    with pytest.raises(Refused) as refused:
        asyncio.run(read_body({"content-length": "12abc"}, nothing()))
    assert refused.value.status == 400


def test_refusals_are_counted(http):
    post_raw(http, b"[1]", {"content-type": "application/json"})
    assert metric(http, "credits_slack_requests_total", kind="refused", status="401") == 1
