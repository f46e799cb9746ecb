"""Slack mrkdwn and Block Kit as terminal markup."""

import pytest
from rich.console import Console

from bot.console.render import Button, mrkdwn, render_blocks, render_message


def plain(markup):
    console = Console(width=200, color_system=None, emoji=True)
    with console.capture() as captured:
        console.print(markup, highlight=False)
    return captured.get().rstrip("\n")


@pytest.mark.parametrize(("text", "markup"), [
    ("Your balance is *$1,000.00*.", "Your balance is [bold]$1,000.00[/bold]."),
    ("_soon_ and ~gone~", "[italic]soon[/italic] and [strike]gone[/strike]"),
    ("run `/credits deposit <amount>`", "run [bold cyan]/credits deposit <amount>[/]"),
    ("2*3*4 and snake_case_name", "2*3*4 and snake_case_name"),
    ("[not markup]", "\\[not markup]"),
])
def test_mrkdwn_to_markup(text, markup):
    assert mrkdwn(text) == markup


def test_mentions_channels_links_and_entities_are_readable():
    text = "<@U1> and <@U2|bob> in <#C1|billing>: see <https://x.example|docs> &lt;3 &amp; more"
    assert plain(mrkdwn(text, {"U1": "alice"})) == \
        "@alice and @bob in #billing: see docs (https://x.example) <3 & more"


def test_emoji_names_become_emoji():
    assert plain(mrkdwn(":warning: low")) == "\u26a0 low"


def test_blocks_render_with_their_buttons():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Deposit"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Deposit *$20,000.00*?"},
         "fields": [{"type": "mrkdwn", "text": "*State*\nactive"}]},
        {"type": "actions", "block_id": "deposit", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Confirm"},
             "action_id": "deposit_confirm", "value": "op-1"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "until 19:06"}]},
        {"type": "divider"},
    ]
    rendered = render_blocks(blocks)
    assert [plain(line) for line in rendered.lines] == [
        "Deposit", "Deposit $20,000.00?", "  State: active",
        " Confirm   (type: click deposit_confirm op-1)", "until 19:06", "─" * 40]
    assert rendered.buttons == (Button("Confirm", "deposit_confirm", "op-1", "deposit"),)


def test_a_message_without_blocks_shows_its_text_and_json_blocks_are_read():
    assert render_message({"text": "*hi*\nthere"}).lines == ("[bold]hi[/bold]", "there")
    shown = render_message({"text": "x", "blocks": '[{"type": "divider"}]'})
    assert len(shown.lines) == 1 and "─" in shown.lines[0]
