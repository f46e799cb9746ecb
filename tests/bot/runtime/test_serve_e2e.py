"""`credits-bot serve` as a process on a free port, spoken to over HTTP like Slack does."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.console.local_slack import LocalSlack, SlackUser
from tests import payloads
from tests.slack import MEMBER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def slack():
    local = LocalSlack(team_id=payloads.TEAM).start()
    local.add_user(SlackUser(MEMBER, "bob", email="bob@contoso.example"))
    yield local
    local.stop()


@pytest.fixture(scope="module")
def server(slack, tmp_path_factory):
    """The server process and its base URL, once for this module."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_API_URL": slack.api_url,
           "SLACK_SIGNING_SECRET": payloads.SIGNING_SECRET, "SLACK_BOT_TOKEN": "xoxb-e2e",
           "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('serve') / 'credits.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--host", "127.0.0.1",
         "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail("serve exited early:\n" + process.stdout.read())
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("serve did not answer /healthz within 60 s")
        time.sleep(0.1)
    yield base, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def post(base, body, *, content_type="application/x-www-form-urlencoded", **signing):
    headers = payloads.signed_headers(body, content_type=content_type, **signing)
    return httpx.post(base + "/slack/events", content=body.encode(), headers=headers, timeout=10)


def test_signed_command_gets_its_answer(server, slack):
    base, _ = server
    response = post(base, payloads.slash_command("balance", user_id=MEMBER,
                                                 response_url=slack.response_url()))
    assert response.status_code == 200
    answer = response.json()
    assert "$0.00" in answer["text"] and answer["response_type"] == "ephemeral"


def test_bad_signature_is_refused(server):
    base, _ = server
    response = post(base, payloads.slash_command("balance", user_id=MEMBER), secret="forged")
    assert response.status_code == 401


def test_a_dm_is_answered_through_the_web_api(server, slack):
    base, _ = server
    event = payloads.event_callback(payloads.dm_event("am I licensed?", user_id=MEMBER))
    assert post(base, event, content_type="application/json").status_code == 200
    [message] = [c for c in slack.calls_to("chat.postMessage")
                 if "license" in json.dumps(c.params)]
    assert message.params["channel"] == "D0TEST" and message.token == "xoxb-e2e"


def test_health_and_metrics(server):
    base, _ = server
    health = httpx.get(base + "/healthz", timeout=5).json()
    assert health["status"] == "ok" and health["revision"]
    metrics = httpx.get(base + "/metrics", timeout=5).text
    assert 'credits_slack_requests_total{kind="refused",status="401"}' in metrics


def rss_mb(pid):
    """The resident memory of a process, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_200_mb_unsigned_post_costs_no_memory(server, chunked):
    base, process = server
    before = rss_mb(process.pid)
    piece = b"{" + b"x" * (1 << 20)

    def body():
        for _ in range(200):
            yield piece

    headers = {"content-type": "application/json", "x-slack-request-timestamp": "1",
               "x-slack-signature": "v0=forged"}
    if not chunked:
        headers["content-length"] = str(200 * len(piece))
    try:
        response = httpx.post(base + "/slack/events", content=body(), headers=headers,
                              timeout=60)
        status = response.status_code
    except httpx.TransportError:  # the server may close the connection after its 413
        status = 413
    after = rss_mb(process.pid)
    print(f"server RSS {before:.0f} -> {after:.0f} MB ({'chunked' if chunked else 'sized'})")
    assert status == 413
    assert after - before < 30
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200


def test_sigterm_stops_the_server_cleanly(server):
    _, process = server
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in process.stdout.read()
