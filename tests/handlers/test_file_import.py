"""A usage file shared in a DM: an admin's is downloaded with the bot token and imported from a
lazy listener (progress, summary, exactly once); a member's is refused and audited."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import zipfile
from decimal import Decimal

import pytest

from bot.console.local_slack import ScriptedFailure, SlackUser
from handlers import file_import
from storage.db import read_session
from storage.units import from_micros
from tests import payloads, reads
from tests.bot.usage.test_microsoft_shapes import cdr_of_teams_calls
from tests.factories import audit_events, ledger_state, make_account
from tests.handlers.lazy import wait_for
from tests.money import usd
from tests.samples import (
    DIRECT_ROUTING_ROWS,
    GRAPH_DR_EXAMPLES,
    GRAPH_JSON,
    GRAPH_PSTN_EXAMPLES,
    SAMPLES,
    TEAMS_CSV,
    microsoft_export_zip,
)
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

SAMPLE_TOTAL = Decimal("20.65")  # the samples' README: Charge + Connection Fee over all rows
TEAMS_ROWS = 40


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal(100))


def share(bolt, content: bytes, *, name: str = "teams-pstn-usage.csv", user: str = ADMIN,
          **extra) -> str:
    """Send `content` as a file in a DM to the bot; the file id."""
    file_id = bolt.slack.add_file(content)
    event = payloads.dm_event("", user_id=user, subtype="file_share",
                              files=[{"id": file_id, "name": name, "size": len(content)}],
                              **extra)
    response = bolt.event(event)
    assert response.status == 200, response.body
    return file_id


def posted(bolt, count: int = 1) -> list[str]:
    return [str(c.params["text"]) for c in wait_for(bolt.slack, "chat.postMessage", count=count)]


def summary_of(bolt, count: int = 1) -> str:
    """The text of the `count`-th import summary posted."""
    found = wait_for(bolt.slack, "chat.postMessage", count=count,
                     where=lambda c: str(c.params.get("text", "")).startswith(
                         ("Imported", ":warning:", "Thanks", "Danke")) or " importiert (" in
                     str(c.params.get("text", "")))
    return str(found[count - 1].params["text"])


def charged_in_db(bolt, account) -> Decimal:
    with read_session(bolt.engine) as session:
        return from_micros(reads.sum_charges(session=session, account_id=account.id))


def test_an_admins_teams_export_is_imported_and_charged_exactly(bolt, account):
    file_id = share(bolt, TEAMS_CSV.read_bytes())
    text = summary_of(bolt)
    lines = text.splitlines()
    assert lines[:7] == ["Imported teams-pstn-usage.csv (teams)", f"Rows read: {TEAMS_ROWS}",
                         f"New calls charged: {TEAMS_ROWS}", "Charged: $20.65",
                         "Skipped as duplicates: 0", "Rejected: 0",
                         "Calls by unlicensed users: 0"]
    # Every record names the license that paid for it (Capability): none is "unlicensed".
    assert "*Calls by users without a Communications Credits license:*" not in lines
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100) - SAMPLE_TOTAL, 2)
    assert charged_in_db(bolt, account) == SAMPLE_TOTAL
    # Fetched as Slack documents it: files.info, then the private URL with the bot token.
    [info] = bolt.slack.calls_to("files.info")
    [download] = bolt.slack.calls_to("download")
    assert info.params["file"] == file_id and download.params["file_id"] == file_id
    assert download.token == "xoxb-test-token"
    [audit] = [a for a in audit_events(bolt.engine, payloads.TEAM) if a.action == "import.usage"]
    arguments = json.loads(audit.arguments)
    assert (audit.actor, audit.result, arguments["charged"], arguments["rows"]) == (
        ADMIN, "ok", "20.65", TEAMS_ROWS)


def test_sending_the_same_file_again_charges_nothing(bolt, account):
    share(bolt, TEAMS_CSV.read_bytes(), user=CREDITS_ADMIN)
    summary_of(bolt)
    share(bolt, TEAMS_CSV.read_bytes(), user=CREDITS_ADMIN)
    again = summary_of(bolt, count=2)
    assert "New calls charged: 0" in again and f"Skipped as duplicates: {TEAMS_ROWS}" in again
    assert "Charged: $0.00" in again
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100) - SAMPLE_TOTAL, 2)


def test_the_zip_of_the_export_is_imported_too(bolt, account):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(TEAMS_CSV, "Export.callingplans.2026-10.csv")
    share(bolt, buffer.getvalue(), name="Export.callingplans.2026-10.zip")
    assert "Charged: $20.65" in summary_of(bolt)
    assert charged_in_db(bolt, account) == SAMPLE_TOTAL


def test_graph_json_is_imported(bolt, account):
    share(bolt, GRAPH_JSON.read_bytes(), name="getPstnCalls.json")
    text = summary_of(bolt)
    assert text.startswith("Imported getPstnCalls.json (graph)")
    charged = charged_in_db(bolt, account)
    assert charged > 0
    balance, _ = ledger_state(bolt.engine, payloads.TEAM)
    assert balance == Decimal(100) - charged


def test_licensed_users_are_not_listed_and_rejected_rows_are(bolt, account):
    bolt.services.licenses.assign(account_id=account.id, slack_user_id="U0ALAN",
                                  email="alan.turing@contoso.example", actor=ADMIN)
    rows = TEAMS_CSV.read_text().splitlines()
    capability = rows[0].split(",").index("Capability")
    rows = [rows[0], *(",".join(row.split(",")[:capability] + [""]
                                + row.split(",")[capability + 1:]) for row in rows[1:])]
    broken = rows[3].split(",")
    broken[17] = "-5"  # Duration Seconds
    rows[3] = ",".join(broken)
    share(bolt, ("\n".join(rows) + "\n").encode())
    text = summary_of(bolt)
    assert "Rejected: 1" in text and f"Rows read: {TEAMS_ROWS}" in text
    assert "• line 4: " in text
    assert "alan.turing@contoso.example" not in text
    assert "grace.hopper@contoso.example" in text


def test_large_files_get_a_progress_message_updated_per_batch(bolt, account, monkeypatch):
    monkeypatch.setattr(file_import, "PROGRESS_BYTES", 0)
    monkeypatch.setattr(file_import, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(file_import, "BATCH_SIZE", 10)
    share(bolt, TEAMS_CSV.read_bytes())
    summary = summary_of(bolt)
    assert "Charged: $20.65" in summary
    started = posted(bolt)[0]
    assert started == ":hourglass_flowing_sand: Importing *teams-pstn-usage.csv*…"
    updates = [str(c.params["text"]) for c in bolt.slack.calls_to("chat.update")]
    progress = [f":hourglass_flowing_sand: Importing *teams-pstn-usage.csv*: {done} of "
                f"{TEAMS_ROWS} rows…" for done in (10, 20, 30, 40)]
    assert updates == [*progress, ":white_check_mark: Imported *teams-pstn-usage.csv* (40 rows)."]
    ts = bolt.slack.calls_to("chat.update")[0].params["ts"]
    assert {c.params["ts"] for c in bolt.slack.calls_to("chat.update")} == {ts}
    assert charged_in_db(bolt, account) == SAMPLE_TOTAL


def test_a_members_file_is_refused_politely_and_audited(bolt, account):
    share(bolt, TEAMS_CSV.read_bytes(), user=MEMBER)
    [refusal] = posted(bolt)
    assert refusal.startswith("Thanks, but only credits admins can import usage files")
    assert "*teams-pstn-usage.csv*" in refusal
    assert bolt.slack.calls_to("files.info") == [] and bolt.slack.calls_to("download") == []
    [denied] = audit_events(bolt.engine, payloads.TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "import.usage")
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100), 1)


def test_a_german_admin_gets_a_german_summary(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    share(bolt, TEAMS_CSV.read_bytes(), user=GERMAN)
    text = summary_of(bolt)
    assert text.splitlines()[:4] == ["teams-pstn-usage.csv importiert (teams)",
                                     f"Gelesene Zeilen: {TEAMS_ROWS}",
                                     f"Neue Anrufe belastet: {TEAMS_ROWS}",
                                     "Belastet: 20,65\xa0$"]


def test_a_file_that_is_no_usage_export_is_explained(bolt, account):
    share(bolt, b"\x89PNG\r\n\x1a\n" + bytes(100), name="cat.png")
    text = summary_of(bolt)
    assert text.startswith(":warning: I could not import *cat.png*:")
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100), 1)
    [error] = audit_events(bolt.engine, payloads.TEAM, result="error")
    assert error.action == "import.usage"


def test_a_download_slack_refuses_is_explained(bolt, account):
    bolt.slack.fail_next("files.info", ScriptedFailure(error="file_not_found"))
    share(bolt, TEAMS_CSV.read_bytes())
    assert "Slack did not let me download the file (file_not_found)" in summary_of(bolt)


def test_the_token_goes_only_to_slack():
    assert file_import.trusted("https://files.slack.com/files-pri/T1-F1/x.csv",
                               "https://slack.com/api/")
    assert file_import.trusted("http://127.0.0.1:5000/files/F1", "http://127.0.0.1:5000/api/")
    assert not file_import.trusted("https://evil.example/files/F1", "https://slack.com/api/")
    assert not file_import.trusted("http://files.slack.com/x", "https://slack.com/api/")
    assert not file_import.trusted("https://slack.com.evil.example/x", "https://slack.com/api/")


def test_the_ack_does_not_wait_for_the_import(bolt, account):
    release = threading.Event()

    def hold(call):
        if call.method == "files.info":
            release.wait(10)

    bolt.slack.on_call = hold
    try:
        share(bolt, TEAMS_CSV.read_bytes())  # returns 200 while the download is held
        assert bolt.slack.calls_to("chat.postMessage") == []
    finally:
        release.set()
    assert "Charged: $20.65" in summary_of(bolt)


def test_the_bots_own_uploads_and_channel_files_are_ignored(bolt, account):
    file_id = bolt.slack.add_file(TEAMS_CSV.read_bytes())
    files = [{"id": file_id, "name": "export.csv"}]
    bolt.event(payloads.dm_event("", user_id="UBOT", subtype="file_share", files=files))
    bolt.event(payloads.dm_event("", user_id=ADMIN, subtype="file_share", files=files,
                                 channel_type="channel"))
    # A DM question afterwards is answered: the file listener let it through.
    bolt.event(payloads.dm_event("what's our balance?", user_id=MEMBER))
    [answer] = posted(bolt)
    assert "$100.00" in answer
    time.sleep(0.3)  # the lazy listeners ran (and returned) in threads meanwhile
    assert bolt.slack.calls_to("files.info") == []
    assert audit_events(bolt.engine, payloads.TEAM, result="denied") == []


def test_a_cdr_without_prices_is_rated_against_the_deck(bolt, account):
    share(bolt, (SAMPLES / "cdr.csv").read_bytes(), name="pbx.csv")
    text = summary_of(bolt)
    assert text.startswith("Imported pbx.csv (cdr)")
    charged = charged_in_db(bolt, account)
    assert charged > 0 and ledger_state(bolt.engine, payloads.TEAM)[0] == Decimal(100) - charged


@pytest.mark.parametrize(("user", "start"), [
    (CREDITS_ADMIN, ":warning: The import of *cdr.csv* stopped"),
    (GERMAN, ":warning: Der Import von *cdr.csv* wurde abgebrochen"),
])
def test_a_running_import_keeps_a_notice_in_its_admins_language(bolt, account, user, start):
    from sqlmodel import select

    from storage.models import RunningImport

    bolt.slack.users[GERMAN].is_admin = True
    held, release = threading.Event(), threading.Event()

    def hold_download(call):
        if call.method == "download":
            held.set()
            release.wait(10)

    bolt.slack.on_call = hold_download
    share(bolt, TEAMS_CSV.read_bytes(), name="cdr.csv", user=user)
    assert held.wait(10)
    with read_session(bolt.engine) as session:
        [running] = session.exec(select(RunningImport))
    assert running.notice.startswith(start) and running.channel == "D0TEST"
    assert "not charged twice" in running.notice or "nicht doppelt belastet" in running.notice
    release.set()
    summary_of(bolt)

    def still_running():
        with read_session(bolt.engine) as session:
            return list(session.exec(select(RunningImport)))

    deadline = time.monotonic() + 10  # the row goes right after the summary is posted
    while still_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert still_running() == []


def test_a_file_share_retried_after_its_ack_is_not_imported_again(bolt, account):
    file_id = bolt.slack.add_file(TEAMS_CSV.read_bytes())
    event = payloads.dm_event("", user_id=ADMIN, subtype="file_share",
                              files=[{"id": file_id, "name": "cdr.csv", "size": 10}])
    assert bolt.event(event, event_id="EvSHARE").status == 200
    summary_of(bolt)
    # The ack handed the import to its running row: Slack's retry is already answered.
    retry = bolt.event(event, event_id="EvSHARE", headers={"x-slack-retry-num": "1"})
    assert retry.status == 200
    time.sleep(0.3)
    assert len(bolt.slack.calls_to("files.info")) == 1


# -- Microsoft's own material (issue 8) and files that break a limit (issue 9) -----------------

GERMAN_ADMIN = "U0DEADMIN"


@pytest.fixture
def german_admin(bolt):
    bolt.slack.add_user(SlackUser(GERMAN_ADMIN, "greta", email="greta@contoso.example",
                                  locale="de-DE", is_admin=True))
    return GERMAN_ADMIN


def test_microsofts_export_zip_counts_direct_routing_uncharged(bolt, account):
    share(bolt, microsoft_export_zip(), name="Calls.Export.5f1c.zip")
    text = summary_of(bolt)
    assert f"Rows read: {TEAMS_ROWS + DIRECT_ROUTING_ROWS}" in text
    assert f"Direct Routing calls (not charged): {DIRECT_ROUTING_ROWS}" in text
    assert "Charged: $20.65" in text and "Rejected: 0" in text
    assert charged_in_db(bolt, account) == SAMPLE_TOTAL


def test_a_german_admin_is_told_of_direct_routing_a_page_of_more_and_a_note(bolt, account,
                                                                           german_admin):
    share(bolt, GRAPH_DR_EXAMPLES[0].read_bytes(), name="dr.json", user=german_admin)
    text = summary_of(bolt)
    assert "Direct-Routing-Anrufe (nicht belastet): 1" in text
    assert "Diese Datei ist eine von mehreren Seiten" in text
    share(bolt, GRAPH_PSTN_EXAMPLES[1].read_bytes(), name="pstn.json", user=german_admin)
    text = summary_of(bolt, count=2)
    assert "Mit Hinweis übernommen" in text and "'+1234567890'" in text
    assert "Diese Datei ist eine von mehreren Seiten" in text
    assert "Anrufe von Benutzern ohne Lizenz: 0" in text  # MCOPSTNU: a Calling Plan paid


def test_calls_already_imported_from_another_source_are_not_charged_again(bolt, account,
                                                                         german_admin):
    share(bolt, TEAMS_CSV.read_bytes())
    summary_of(bolt)
    share(bolt, cdr_of_teams_calls(), name="pbx.csv")
    text = summary_of(bolt, count=2)
    assert "Skipped: already imported from another source: " in text
    assert "so they were not charged a second time" in text
    assert charged_in_db(bolt, account) == SAMPLE_TOTAL
    share(bolt, cdr_of_teams_calls(), name="pbx.csv", user=german_admin)
    assert "nicht ein zweites Mal belastet" in summary_of(bolt, count=3)


@pytest.mark.parametrize("content, reason", [
    (b"PK\x03\x04" + b"\x00" * 64, "The zip cannot be read"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_a_broken_file_gets_a_sentence_and_charges_nothing(bolt, account, content, reason):
    share(bolt, content, name="export.zip")
    text = summary_of(bolt)
    assert text.startswith(":warning: I could not import *export.zip*") and reason in text
    assert charged_in_db(bolt, account) == 0


def test_the_charges_that_differ_from_the_deck_reach_the_admins_dm_as_a_csv(bolt, account):
    share(bolt, TEAMS_CSV.read_bytes())
    text = summary_of(bolt)
    assert "credits-bot" not in text
    [note] = [line for line in text.splitlines() if line.startswith("Charges that differ")]
    count = int(note.split(": ")[1].split(" ")[0])
    assert count > 0 and "Their list follows as a CSV file." in note
    [share_call] = wait_for(bolt.slack, "files.completeUploadExternal")
    assert share_call.params["channel_id"] == "D0TEST"  # the DM the file came from
    comment = share_call.params["initial_comment"]
    assert comment.startswith(f"Charges in *teams-pstn-usage.csv* that differ from the rate "
                              f"deck: {count}, one row a call.")
    assert "Columns: Line (in the file), Destination, Start (UTC), Seconds, Charged" in comment
    [item] = json.loads(share_call.params["files"])
    assert item["title"] == "teams-pstn-usage-differences.csv"
    content = bolt.slack.files[item["id"]]
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == count
    assert list(rows[0]) == ["Line", "Destination", "Start (UTC)", "Seconds", "Charged",
                             "Deck price", "Difference"]
    for row in rows:
        assert Decimal(row["Charged"]) - Decimal(row["Deck price"]) == Decimal(row["Difference"])
        assert int(row["Line"]) > 1 and int(row["Seconds"]) >= 0
        # Masked numbers ("+493019482***") keep the apostrophe that stops spreadsheet formulas.
        assert row["Destination"].lstrip("'").startswith("+") and row["Start (UTC)"][:2] == "20"
    assert [int(row["Line"]) for row in rows] == sorted(int(row["Line"]) for row in rows)
    [audit] = [a for a in audit_events(bolt.engine, payloads.TEAM) if a.action == "import.usage"]
    assert json.loads(audit.arguments)["differences"] == count


def test_a_german_admin_gets_the_differences_in_german(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    share(bolt, TEAMS_CSV.read_bytes(), user=GERMAN)
    [share_call] = wait_for(bolt.slack, "files.completeUploadExternal")
    assert share_call.params["initial_comment"].startswith("Belastungen in *teams-pstn-usage.csv*")
    assert "Spalten:" in share_call.params["initial_comment"]


def test_an_import_without_differences_uploads_nothing(bolt, account):
    share(bolt, (SAMPLES / "cdr.csv").read_bytes(), name="pbx.csv")  # priced by the deck
    text = summary_of(bolt)
    assert text.startswith("Imported pbx.csv (cdr)") and "differ" not in text
    assert bolt.slack.calls_to("files.getUploadURLExternal") == []


def test_a_differences_file_slack_refuses_is_explained(bolt, account):
    bolt.slack.fail_next("files.getUploadURLExternal", ScriptedFailure(error="access_denied"))
    share(bolt, TEAMS_CSV.read_bytes())
    texts = posted(bolt, count=2)
    assert texts[0].startswith("Imported teams-pstn-usage.csv")
    assert texts[1] == (":warning: I could not send the list of charges that differ from the "
                        "rate deck: Slack refused the upload (access_denied); please try again "
                        "later.")


def test_an_import_that_crosses_a_low_balance_level_alerts_it(bolt, account):
    # The DM import charges through the composed ledger: its hooks (alerts) run for each batch.
    bolt.services.alert_settings.add_threshold(account_id=account.id, amount=usd(90))
    share(bolt, TEAMS_CSV.read_bytes())
    assert summary_of(bolt).startswith("Imported")  # 100 - 20.65: below 90
    with read_session(bolt.engine) as session:
        kinds = [m.kind for m in reads.list_messages(session=session,
                                                         account_id=account.id)]
    assert kinds == ["low_balance"]


def test_a_german_admin_reads_the_rejected_rows_in_german(bolt, account):
    # The reasons were English sentences built where a row is read; now they are marked
    # sentences with their values, read in the admin's language (the CLI keeps English).
    bolt.slack.users[GERMAN].is_admin = True
    cdr = ("call_id,user,start,duration_seconds,destination_number,direction\n"
           "c1,ada@example.com,2026-11-02T10:00:00Z,60,+14155550100,outbound\n"
           "c2,ada@example.com,yesterday,-5,+14155550100,sideways\n"
           "c3,ada@example.com,2026-11-02T11:00:00Z,60\n")
    share(bolt, cdr.encode(), name="pbx.csv", user=GERMAN)
    text = summary_of(bolt)
    assert ("Zeile 3: start 'yesterday' ist kein Datum mit Uhrzeit; duration_seconds ist "
            "negativ: -5; unbekannte Richtung 'sideways': outbound, inbound oder "
            "tollfree_inbound") in text
    assert "Zeile 4: 6 Felder erwartet, 4 gefunden" in text
    assert "is not a date" not in text and "line 3" not in text
