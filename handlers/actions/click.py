"""What every button click carries, and the admin check every admin button makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.errors import InsufficientRights
from handlers.asking import asker_of
from handlers.blocks.common import error_reply
from handlers.context import HandlerContext
from handlers.i18n import error_text
from handlers.reply import Reply

if TYPE_CHECKING:
    from handlers.asking import Asker


@dataclass(frozen=True)
class Click:
    """One button click (a `block_actions` payload with one action), and who clicked."""

    team_id: str
    user_id: str
    action_id: str
    value: str
    asker: Asker

    @classmethod
    def from_body(cls, body: dict[str, Any], asker: Asker) -> Click:
        action = (body.get("actions") or [{}])[0]
        team = body.get("team") or {}
        user = body.get("user") or {}
        return cls(team_id=team.get("id") or user.get("team_id") or "",
                   user_id=user.get("id", ""), action_id=action.get("action_id", ""),
                   value=str(action.get("value") or ""), asker=asker)


def answer(respond: Callable[..., Any], reply: Reply, *, replace_original: bool) -> None:
    """Answer a click through its response_url."""
    respond(**reply.as_message(), replace_original=replace_original)


def require_admin(ctx: HandlerContext, click: Click, respond: Callable[..., Any]) -> bool:
    """True for an admin. A non-admin is told so (the message stays as it is) and the attempt
    goes to the audit log: rights are checked on every click, not only when the button was
    posted."""
    try:
        click.asker.require_admin(action=f"action.{click.action_id}",
                                  arguments={"value": click.value})
    except InsufficientRights as exc:
        answer(respond, error_reply(error_text(exc, ctx.directory.locale(click.user_id))),
               replace_original=False)
        return False
    return True


Decide = Callable[[HandlerContext, Click, Callable[..., Any]], None]


def register_decision(app: App, ctx: HandlerContext, action_ids: tuple[str, ...],
                      decide: Decide) -> None:
    """Attach one listener to a Confirm/Cancel pair: an empty ack, then `decide` (which reads
    the clicked action and claims the pending operation once)."""

    def on_click(ack: Callable[[], None], body: dict[str, Any], context: dict[str, Any],
                 respond: Callable[..., Any]) -> None:
        ack()
        decide(ctx, Click.from_body(body, asker_of(context)), respond)

    for action_id in action_ids:
        app.action(action_id)(on_click)
