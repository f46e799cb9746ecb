"""SIGKILL `credits-bot serve` while it answers, start it again: nothing is left unanswered.

Two stories, each with a real process killed mid-way and a second process on the same database:
a DM question whose answer was not out yet is answered on Slack's retry, and a DM import that
was running is reported to its admin by the restarted server's sweep.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.console.local_slack import LocalSlack, SlackUser
from tests import payloads
from tests.samples import TEAMS_CSV
from tests.slack import CREDITS_ADMIN

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gate:
    """Holds the first call of one Web API method until released: the moment to kill."""

    def __init__(self, method):
        self.method, self.reached, self.released = method, threading.Event(), threading.Event()

    def __call__(self, call):
        if call.method == self.method and not self.reached.is_set():
            self.reached.set()
            self.released.wait(30)


@pytest.fixture
def slack():
    local = LocalSlack(team_id=payloads.TEAM).start()
    local.add_user(SlackUser(CREDITS_ADMIN, "carol", email="carol@contoso.example",
                             locale="de-DE"))
    yield local
    local.stop()


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'credits.db'}"


def start_serve(slack, database, *, scheduler):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_API_URL": slack.api_url,
           "SLACK_SIGNING_SECRET": payloads.SIGNING_SECRET, "SLACK_BOT_TOKEN": "xoxb-e2e",
           "DATABASE_URL": database, "CREDITS_ADMINS": CREDITS_ADMIN,
           "CREDITS_EVENT_LEASE_SECONDS": str(LEASE_SECONDS),
           "CREDITS_IMPORT_HEARTBEAT_SECONDS": "0.25",
           "CREDITS_SWEEP_SECONDS": "0.5", "CREDITS_OUTBOX_SECONDS": "0.5"}
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not scheduler:
        command.append("--no-scheduler")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail("serve did not start")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def post_event(base, event, *, event_id, retry=None):
    body = payloads.event_callback(event, event_id=event_id)
    headers = payloads.signed_headers(body, content_type="application/json")
    if retry is not None:
        headers["x-slack-retry-num"] = str(retry)
    return httpx.post(base + "/slack/events", content=body.encode(), headers=headers, timeout=30)


def in_background(function, *args, **kwargs):
    thread = threading.Thread(target=lambda: _swallow(function, *args, **kwargs), daemon=True)
    thread.start()
    return thread


def _swallow(function, *args, **kwargs):
    with contextlib.suppress(httpx.TransportError):  # the server was killed under it
        function(*args, **kwargs)


def wait_until(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_dm_whose_process_was_killed_before_answering_is_answered_on_slacks_retry(
        slack, database):
    first, base = start_serve(slack, database, scheduler=False)
    gate = Gate("users.info")  # the answer needs the user's locale: hold it there
    slack.on_call = gate
    event = payloads.dm_event("balance", user_id=CREDITS_ADMIN)
    in_background(post_event, base, event, event_id="EvSIGKILL")
    assert gate.reached.wait(20)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    gate.released.set()
    assert slack.calls_to("chat.postMessage") == []

    second, base = start_serve(slack, database, scheduler=False)
    try:
        answered = False
        for retry in (1, 2, 3):  # Slack's retries; the lease lapses between them
            response = post_event(base, event, event_id="EvSIGKILL", retry=retry)
            assert response.status_code in (200, 503)
            if response.status_code == 200:
                answered = True
                break
            time.sleep(LEASE_SECONDS)
        assert answered
        [answer] = slack.calls_to("chat.postMessage")
        assert answer.params["channel"] == "D0TEST" and "Guthaben" in answer.params["text"]
        # One more retry after the answer is told it was handled.
        assert post_event(base, event, event_id="EvSIGKILL", retry=3).status_code == 200
        assert len(slack.calls_to("chat.postMessage")) == 1
    finally:
        stop(second)


def test_a_dm_import_killed_mid_way_is_reported_to_its_admin_after_restart(slack, database):
    first, base = start_serve(slack, database, scheduler=False)
    gate = Gate("download")  # the import is running: its file is being fetched
    slack.on_call = gate
    content = TEAMS_CSV.read_bytes()
    file_id = slack.add_file(content)
    event = payloads.dm_event("", user_id=CREDITS_ADMIN, subtype="file_share",
                              files=[{"id": file_id, "name": "cdr.csv", "size": len(content)}])
    assert post_event(base, event, event_id="EvIMPORT").status_code == 200  # acked at once
    assert gate.reached.wait(20)
    engine = create_engine(database)
    with engine.connect() as connection:
        assert connection.execute(text("select name from running_imports")).scalars().all() \
            == ["cdr.csv"]
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    gate.released.set()

    second, _ = start_serve(slack, database, scheduler=True)
    try:
        def notices():
            return [c for c in slack.calls_to("chat.postMessage")
                    if "cdr.csv" in str(c.params.get("text"))]

        assert wait_until(lambda: notices() != [])
        [notice] = notices()
        assert notice.params["channel"] == "D0TEST"
        assert notice.params["text"].startswith(":warning: Der Import von *cdr.csv* wurde "
                                                "abgebrochen")
        assert "nicht doppelt belastet" in notice.params["text"]
        with engine.connect() as connection:
            assert connection.execute(text("select count(*) from running_imports")).scalar() == 0
        time.sleep(1.5)  # a few more sweeps and relays: still told once
        assert len(notices()) == 1
    finally:
        stop(second)
        engine.dispose()
