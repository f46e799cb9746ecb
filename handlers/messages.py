"""Answers to DMs and mentions: the intent of the words, answered by the same services as
`/credits`, in the user's language (their Slack locale, else the language they wrote in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.summary import account_summary
from handlers.blocks.balance import balance_reply
from handlers.blocks.common import section
from handlers.context import HandlerContext
from handlers.intents import BALANCE, HELP, LICENSED, Intent, parse_intent
from handlers.reply import Reply
from handlers.sentences import say


@dataclass(frozen=True)
class Question:
    """A DM or mention: who asked, in which workspace, and what they meant."""

    team_id: str
    user_id: str
    intent: Intent
    locale: str | None


def answer_help(ctx: HandlerContext, question: Question) -> Reply:
    text = say("dm_help", question.locale)
    if not question.intent.understood:
        text = say("dm_not_understood", question.locale) + " " + text
    return Reply(text=text, blocks=[section(text)])


def answer_balance(ctx: HandlerContext, question: Question) -> Reply:
    summary = account_summary(ctx.services, question.team_id)
    return balance_reply(summary, locale=question.locale)


def answer_licensed(ctx: HandlerContext, question: Question) -> Reply:
    account = ctx.services.accounts.ensure(question.team_id)
    licensed = ctx.services.licenses.is_licensed(account_id=account.id,
                                                 slack_user_id=question.user_id)
    text = say("licensed_yes" if licensed else "licensed_no", question.locale)
    return Reply(text=text, blocks=[section(text)])


Answer = Callable[[HandlerContext, Question], Reply]
ANSWERS: dict[str, Answer] = {
    HELP: answer_help,
    BALANCE: answer_balance,
    LICENSED: answer_licensed,
}


def answer_message(ctx: HandlerContext, *, team_id: str, user_id: str, text: str) -> Reply:
    """The reply to a DM or mention of `user_id`."""
    intent = parse_intent(text)
    locale = ctx.directory.locale(user_id) or intent.language
    question = Question(team_id=team_id, user_id=user_id, intent=intent, locale=locale)
    return ANSWERS[intent.name](ctx, question)
