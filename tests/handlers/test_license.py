"""`/credits license`: assigned with the e-mail from users.info, once; removed; listed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.console.local_slack import SlackUser
from bot.licenses import LicenseView
from handlers.blocks.license import (
    UserOutcome,
    count_text,
    license_changes_reply,
    license_list_reply,
)
from tests.factories import audit_events, make_account
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

USAGE = "Usage: `/credits license assign <@user…> | remove <@user…> | list`"


@pytest.fixture
def account(bolt, clock):
    bolt.slack.add_user(SlackUser("U0BOT", "pager", is_bot=True))
    bolt.slack.add_user(SlackUser("U0NOMAIL", "eve", email=None))
    return make_account(bolt.engine, clock, team_id=TEAM)


def licensed(bolt, account) -> dict[str, str | None]:
    return {v.slack_user_id: v.email
            for v in bolt.services.licenses.list(account_id=account.id)}


def test_assign_several_mentions_in_both_forms(bolt, account):
    text = bolt.command_answer(f"license assign <@{MEMBER}|bob> <@{GERMAN}>")
    assert f"<@{MEMBER}> is licensed (bob@contoso.example)" in text
    assert f"<@{GERMAN}> is licensed (dieter@contoso.example)" in text
    assert "*2* licensed users." in text
    assert licensed(bolt, account) == {MEMBER: "bob@contoso.example",
                                       GERMAN: "dieter@contoso.example"}
    assert [c.params["user"] for c in bolt.slack.calls_to("users.info")].count(MEMBER) == 1


def test_assign_again_says_already_and_does_not_duplicate(bolt, account):
    bolt.command_answer(f"license assign <@{MEMBER}>", user=CREDITS_ADMIN)
    text = bolt.command_answer(f"license assign <@{MEMBER}|bob> <@{MEMBER}> <@{GERMAN}>")
    assert f"<@{MEMBER}> has a license already" in text and "*2* licensed users." in text
    assert text.count(f"<@{MEMBER}>") == 1  # one line per user, however often mentioned
    assert len(licensed(bolt, account)) == 2


def test_unknown_user_bot_and_user_without_email(bolt, account):
    text = bolt.command_answer("license assign <@U0NOBODY> <@U0BOT|pager> <@U0NOMAIL|eve>")
    assert "<@U0NOBODY> is not a user of this workspace" in text
    assert "<@U0BOT> is a bot" in text
    assert "<@U0NOMAIL> is licensed. Slack gave no e-mail" in text
    assert licensed(bolt, account) == {"U0NOMAIL": None}
    assert "*1* licensed user." in text


def test_mention_with_a_space_after_the_pipe(bolt, account):
    bolt.command_answer(f"license assign <@{MEMBER}|Bob Builder>")
    assert MEMBER in licensed(bolt, account)


def test_remove_and_remove_again(bolt, account):
    bolt.command_answer(f"license assign <@{MEMBER}> <@{GERMAN}>")
    text = bolt.command_answer(f"license remove <@{MEMBER}|bob> <@U0NOBODY>")
    assert f"<@{MEMBER}>'s license is removed" in text
    assert "<@U0NOBODY> has no license to remove" in text and "*1* licensed user." in text
    assert licensed(bolt, account) == {GERMAN: "dieter@contoso.example"}


def test_list_with_the_count_for_members(bolt, account):
    assert "No one has a Communications Credits license yet" in bolt.command_text(
        "license list", user=MEMBER)
    bolt.command_answer(f"license assign <@{MEMBER}> <@{ADMIN}>")
    text = bolt.command_text("license list", user=MEMBER)
    assert text.startswith("*2* licensed users.")
    assert f"<@{MEMBER}> · bob@contoso.example · MCOPSTNC · since Nov 2, 2026" in text
    assert "MCOPSTNPP" not in text
    assert "*2* lizenzierte Benutzer." in bolt.command_text("license list", user=GERMAN)


@pytest.mark.parametrize("text", [f"license assign <@{GERMAN}>", f"license remove <@{ADMIN}>"])
def test_member_cannot_change_licenses(bolt, account, text):
    assert "Only credits admins" in bolt.command_text(text, user=MEMBER)
    assert licensed(bolt, account) == {}
    (denied,) = audit_events(bolt.engine, TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "command.license")


@pytest.mark.parametrize(("text", "words"), [
    ("license", "Say what to do"), ("license give <@U0MEMBER>", "Say what to do"),
    ("license list everyone", "Say what to do"), ("license assign", "Mention at least one"),
    ("license assign bob", "`bob` is not a user mention"),
    ("license assign <@U0MEMBER> bob", "`bob` is not a user mention"),
    ("license remove <#C123|general>", "is not a user mention"),
    ("license assign " + " ".join(f"<@U{i:04d}>" for i in range(51)), "at most 50 users")])
def test_malformed_commands_show_the_usage(bolt, account, text, words):
    answer = bolt.command_text(text)
    assert words in answer and USAGE in answer
    assert licensed(bolt, account) == {}


# --- the builders, pure ---

def test_changes_reply_has_a_line_per_user_and_the_count():
    reply = license_changes_reply(
        [UserOutcome("U1", "assigned", "a@x.example"), UserOutcome("U2", "bot")], count=1,
        locale=None)
    assert reply.text == (":white_check_mark: <@U1> is licensed (a@x.example).\n"
                          ":no_entry: <@U2> is a bot: only people can hold a calling license.\n"
                          "*1* licensed user.")
    assert reply.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": reply.text.rsplit("\n", 1)[0]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "*1* licensed user."}]}]


@pytest.mark.parametrize(("locale", "one", "two", "many"), [
    ("en-US", "*1* licensed user.", "*2* licensed users.", "*1,200* licensed users."),
    ("de-DE", "*1* lizenzierter Benutzer.", "*2* lizenzierte Benutzer.",
     "*1.200* lizenzierte Benutzer.")])
def test_the_count_of_licensed_users_has_its_plural(locale, one, two, many):
    assert [count_text(n, locale=locale) for n in (1, 2, 1200)] == [one, two, many]


def test_list_reply_shows_sixty_and_counts_all():
    when = datetime(2026, 1, 5, tzinfo=UTC)
    views = [LicenseView(f"U{i}", None, "MCOPSTNC", "A", when) for i in range(65)]
    reply = license_list_reply(views, locale="de-DE")
    assert reply.text.splitlines()[0] == "*65* lizenzierte Benutzer."
    assert reply.text.splitlines()[1] == "<@U0> · MCOPSTNC · seit 05.01.2026"
    assert reply.text.splitlines()[-1] == "…und 5 weitere."
    assert reply.blocks is not None and len(reply.blocks) == 1 + 4  # 61 lines in sections of 20
    assert all(len(b["text"]["text"]) < 3000 for b in reply.blocks)
