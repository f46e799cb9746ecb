"""`/credits export`: acked at once, then the files uploaded from a lazy listener (admins:
everyone's calls and the ledger, to the conversation; members: their own calls, to their DM)."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from bot.console.local_slack import ScriptedFailure, SlackChannel
from handlers.channel_privacy import POST_HERE_ACTION
from tests.factories import add_call, audit_events, make_account
from tests.handlers.lazy import respond_texts, wait_for
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, GERMAN, MEMBER

NOV = datetime(2026, 11, 1, tzinfo=UTC)
USAGE = "Usage: `/credits export [period] [csv | xlsx]`"


@pytest.fixture
def account(bolt, clock):
    """$500 deposited and $3.55 charged in November; three calls, one in October."""
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(500))
    bolt.services.ledger.charge(account_id=account.id, amount=usd("3.55"), key="imp1",
                                actor="import", memo="3 calls")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=8), seconds=180, charge="1.25",
             user="bob@contoso.example", name="Bob", number="+4930123456",
             destination="Germany", country="DE")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=9), seconds=600, charge="2.30",
             user="alice@contoso.example", name="=HYPERLINK(\"http://x\")")
    add_call(bolt.engine, account.id, at=NOV - timedelta(days=3), seconds=60, charge="7.00",
             user="bob@contoso.example", name="Bob")
    return account


def uploaded(bolt, count: int = 1) -> list[tuple[str, str, bytes]]:
    """(channel, filename, bytes) of every file shared, once `count` shares completed."""
    shares = wait_for(bolt.slack, "files.completeUploadExternal", count=count)
    names = {call.params["filename"] for call in bolt.slack.calls_to("files.getUploadURLExternal")}
    found = []
    for share in shares:
        for item in json.loads(share.params["files"]):
            found.append((share.params["channel_id"], item["title"], bolt.slack.files[item["id"]]))
    assert {title for _, title, _ in found} <= names
    return found


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_admin_csv_export_uploads_calls_and_ledger_to_the_conversation(bolt, account):
    ack = bolt.command_text("export", user=ADMIN, channel_id="D0BOTDM")
    assert ack == "Working on `/credits export`…"
    [answer] = respond_texts(bolt.slack)
    files = uploaded(bolt)
    assert [(channel, name) for channel, name, _ in files] == [
        ("D0BOTDM", f"credits-{TEAM}-2026-11-01_2026-11-30-calls.csv"),
        ("D0BOTDM", f"credits-{TEAM}-2026-11-01_2026-11-30-ledger.csv")]
    calls = read_csv(files[0][2])
    assert [(row["User"], row["Charge"]) for row in calls] == [
        ("bob@contoso.example", "1.25"), ("alice@contoso.example", "2.30")]
    assert calls[1]["User name"].startswith("'=")  # no formula runs in a spreadsheet
    assert sum(Decimal(row["Charge"]) for row in calls) == Decimal("3.55")
    ledger = read_csv(files[1][2])
    assert [(row["Kind"], row["Amount"], row["Balance after"]) for row in ledger] == [
        ("deposit", "500.00", "500.00"), ("charge", "-3.55", "496.45")]
    assert answer.startswith(":white_check_mark: Exported 2 calls and 2 ledger entries for "
                             "this month (November 2026) as `credits-")
    assert "The file is in this conversation." in answer
    [audit] = [a for a in audit_events(bolt.engine, TEAM) if a.action == "command.export"]
    assert (audit.actor, audit.result, json.loads(audit.arguments)["scope"]) == (ADMIN, "ok", "all")


def test_admin_xlsx_export_is_one_workbook_with_calls_and_ledger(bolt, account):
    bolt.command_text("export xlsx last-30-days", user=ADMIN, channel_id="D0BOTDM")
    respond_texts(bolt.slack)
    [(channel, name, content)] = uploaded(bolt)
    assert channel == "D0BOTDM" and name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Calls", "Ledger"]
    calls = list(workbook["Calls"].iter_rows(values_only=True))
    header = calls[0]
    charge = header.index("Charge")
    assert sorted(Decimal(str(row[charge])) for row in calls[1:]) == [
        Decimal("1.25"), Decimal("2.30"), Decimal("7.00")]
    ledger = list(workbook["Ledger"].iter_rows(values_only=True))
    assert [row[2] for row in ledger[1:]] == ["deposit", "charge"]


def test_a_member_exports_only_their_own_calls_privately(bolt, account):
    bolt.command_text("export 2026-10-01..2026-11-30 csv", user=MEMBER)
    [answer] = respond_texts(bolt.slack)
    [(channel, name, content)] = uploaded(bolt)
    [opened] = bolt.slack.calls_to("conversations.open")
    assert opened.params["users"] == MEMBER and channel == "D0MEMBER"
    assert name.endswith("-calls.csv")  # no ledger
    rows = read_csv(content)
    assert {row["User"] for row in rows} == {"bob@contoso.example"}
    assert sorted(row["Charge"] for row in rows) == ["1.25", "7.00"]
    assert "Exported your 2 calls" in answer and "direct message" in answer
    [audit] = [a for a in audit_events(bolt.engine, TEAM) if a.action == "command.export"]
    assert json.loads(audit.arguments)["scope"] == "bob@contoso.example"


def test_where_the_bot_cannot_post_the_files_go_to_the_users_dm(bolt, account):
    bolt.slack.fail_next("files.completeUploadExternal", ScriptedFailure(error="not_in_channel"))
    bolt.command_text("export", user=ADMIN, channel_id="D0TWOPEOPLE")  # a DM between two
    [answer] = respond_texts(bolt.slack)
    files = uploaded(bolt, count=2)
    assert {channel for channel, _, _ in files} == {"D0TWOPEOPLE", "D0ADMIN"}
    assert "I cannot post files in this conversation" in answer


def test_german_answer(bolt, account):
    bolt.command_text("export", user=GERMAN)
    [answer] = respond_texts(bolt.slack)
    assert answer.startswith(":white_check_mark: Ihre 0 Anrufe für 01.11.2026 – 30.11.2026 als")


@pytest.mark.parametrize(("text", "words"), [
    ("export pdf", "Exports are not made as `pdf`: the formats are `csv` (the default) and "
                   "`xlsx`."),
    ("export last-90-days pdf", "Exports are not made as `pdf`"),
    ("export last-90-days frobnicate", "I do not know `frobnicate` here."),
    ("export csv xlsx", "Choose one format"),
    ("export 2026-02-30..2026-03-01", "does not exist"),
])
def test_bad_arguments_are_answered_with_the_usage(bolt, account, text, words):
    # Checked within the ack: the typo is answered at once, nothing is built or uploaded.
    answer = bolt.command_text(text, user=ADMIN)
    assert words in answer and USAGE in answer and "Working on" not in answer
    assert "Give one period" not in answer
    time.sleep(0.5)  # the lazy listener still runs: give it time to (wrongly) answer
    assert bolt.slack.calls_to("respond") == []
    assert bolt.slack.calls_to("files.getUploadURLExternal") == []


def test_an_upload_slack_refuses_is_explained(bolt, account):
    bolt.slack.fail_next("files.getUploadURLExternal", ScriptedFailure(error="access_denied"))
    bolt.command_text("export", user=ADMIN)
    [answer] = respond_texts(bolt.slack)
    assert answer == ":warning: Slack refused the upload (access_denied); please try again later."
    assert [a for a in audit_events(bolt.engine, TEAM) if a.action == "command.export"] == []


# -- asked for in a channel: to the requester's DM unless an admin confirms ------------------

def test_an_admin_export_asked_in_a_channel_goes_to_their_dm_and_says_how_many_would_see_it(
        bolt, account):
    bolt.slack.add_channel(SlackChannel("C0TEST", "general", num_members=412))
    bolt.command_text("export", user=ADMIN)
    [answer] = respond_texts(bolt.slack)
    files = uploaded(bolt)
    assert {channel for channel, _, _ in files} == {"D0ADMIN"}  # not #general
    assert ("I sent the files to your DM instead of <#C0TEST>, which has *412* members: they "
            "name people and the numbers they called.") in answer
    assert bolt.slack.calls_to("conversations.info")[0].params["channel"] == "C0TEST"
    [message] = bolt.slack.calls_to("respond")
    (block,) = [b for b in message.params["blocks"] if b["type"] == "actions"]
    (post,) = block["elements"]
    assert post["action_id"] == POST_HERE_ACTION
    assert post["confirm"]["text"]["text"] == (
        "Everyone in <#C0TEST> (*412* members) will see it.")


def test_post_in_this_channel_posts_once_and_only_for_an_admin(bolt, account):
    bolt.command_text("export", user=ADMIN)
    respond_texts(bolt.slack)
    uploaded(bolt)
    [message] = bolt.slack.calls_to("respond")
    (block,) = [b for b in message.params["blocks"] if b["type"] == "actions"]
    op = block["elements"][0]["value"]
    bolt.click(POST_HERE_ACTION, op, user=MEMBER)
    wait_for(bolt.slack, "respond", count=2)
    assert "Only credits admins" in str(bolt.slack.calls_to("respond")[1].params["text"])
    bolt.click(POST_HERE_ACTION, op)
    files = uploaded(bolt, count=2)
    assert [channel for channel, _, _ in files] == ["D0ADMIN", "D0ADMIN", "C0TEST", "C0TEST"]
    wait_for(bolt.slack, "respond", count=3)
    bolt.click(POST_HERE_ACTION, op)  # a second click posts nothing more
    texts = [str(c.params["text"]) for c in wait_for(bolt.slack, "respond", count=4)]
    assert any("posted already, or the request expired" in text for text in texts)
    time.sleep(0.2)
    assert len(bolt.slack.calls_to("files.completeUploadExternal")) == 2
    posted = [a for a in audit_events(bolt.engine, TEAM)
              if a.action == f"action.{POST_HERE_ACTION}"]
    assert [a.result for a in posted] == ["denied", "ok"]


def test_the_note_in_german(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    bolt.command_text("export", user=GERMAN)
    [answer] = respond_texts(bolt.slack)
    assert "Ich habe die Dateien an Ihre DM statt an <#C0TEST> geschickt" in answer


def test_a_month_by_name(bolt, account):
    bolt.command_text("export October csv", user=ADMIN, channel_id="D0BOTDM")
    [answer] = respond_texts(bolt.slack)
    [calls, _] = uploaded(bolt)
    assert calls[1] == f"credits-{TEAM}-2026-10-01_2026-10-31-calls.csv"
    assert [row["Charge"] for row in read_csv(calls[2])] == ["7.00"]
    assert "for October 2026 as" in answer
