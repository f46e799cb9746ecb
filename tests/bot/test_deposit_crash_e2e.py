"""A real `credits-bot serve` killed (SIGKILL) between the gateway's charge and the ledger entry:
after a restart the sweep finds the charge through `lookup` and books it exactly once.

The gateway fault mode is CREDITS_GATEWAY_LATENCY_SECONDS: the simulation charges at once (the
row is in its own table, as at a real processor) and holds the answer back, so the process can
be killed while the charge is made and the deposit not yet booked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.accounts import Accounts
from bot.clock import SystemClock
from bot.console.local_slack import LocalSlack, SlackUser
from storage.db import make_engine, read_session
from storage.migrate import upgrade
from storage.models import DepositAttempt, GatewayCharge, LedgerEntry
from tests import payloads
from tests.bot.runtime.test_serve_e2e import ROOT, free_port
from tests.factories import make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN

pytestmark = pytest.mark.slow


def start_serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
         *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail("serve exited early:\n" + (process.stdout.read() if process.stdout
                                                   else ""))
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("serve did not answer /healthz within 60 s")
        time.sleep(0.1)


def counts(engine) -> tuple[int, int, list[str]]:
    """(gateway charges, deposit entries, attempt states)."""
    with read_session(engine) as session:
        charges = session.exec(select(func.count()).select_from(GatewayCharge)).one()
        entries = session.exec(select(func.count()).select_from(LedgerEntry)
                               .where(LedgerEntry.kind == "deposit")).one()
        states = list(session.exec(select(DepositAttempt.status)).all())
    return int(charges), int(entries), states


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_sigkill_between_charge_and_ledger_is_booked_once_after_restart(tmp_path):
    slack = LocalSlack(team_id=TEAM).start()
    slack.add_user(SlackUser(ADMIN, "alice", email="alice@contoso.example", is_admin=True))
    url = f"sqlite:///{tmp_path / 'credits.db'}"
    engine = make_engine(url)
    upgrade(engine)
    make_account(engine, SystemClock(), team_id=TEAM)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_API_URL": slack.api_url,
           "SLACK_SIGNING_SECRET": payloads.SIGNING_SECRET, "SLACK_BOT_TOKEN": "xoxb-e2e",
           "DATABASE_URL": url, "CREDITS_GATEWAY_LATENCY_SECONDS": "60",
           "CREDITS_PAYMENT_CHECK_SECONDS": "1", "CREDITS_SWEEP_SECONDS": "0.5"}
    process = restarted = None
    try:
        # No scheduler at first: nothing but the request's own worker touches the attempt.
        process, base = start_serve(env, "--no-scheduler")
        body = payloads.slash_command("deposit 500", user_id=ADMIN,
                                      response_url=slack.response_url())
        started = time.monotonic()
        ack = httpx.post(base + "/slack/events", content=body.encode(), timeout=10,
                         headers=payloads.signed_headers(body))
        assert ack.status_code == 200 and "Paying *$500.00*" in ack.json()["text"]
        assert time.monotonic() - started < 3  # the 60-second gateway is not in the ack
        wait_until(lambda: counts(engine)[0] == 1)  # charged; the answer is on its way
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert counts(engine) == (1, 0, ["processing"])  # a charge and no credit: the gap

        # Restarted with the scheduler and a gateway that answers at once.
        restarted, _ = start_serve({**env, "CREDITS_GATEWAY_LATENCY_SECONDS": "0"})
        wait_until(lambda: counts(engine)[2] == ["succeeded"])
        time.sleep(1.5)  # a few more sweeps: nothing more happens
        assert counts(engine) == (1, 1, ["succeeded"])
        assert Accounts(engine, SystemClock()).get(TEAM).balance == usd(500)
    finally:
        for running in (process, restarted):
            if running is not None and running.poll() is None:
                running.send_signal(signal.SIGTERM)
                running.wait(timeout=30)
        engine.dispose()
        slack.stop()
