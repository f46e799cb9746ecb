"""Answers to DMs and mentions: the intent of the words, answered by the same services as
`/credits`, in the user's language (their Slack locale, else the language they wrote in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import InvalidNumber, NoRate, UnknownDestination
from handlers.asking import Asker
from handlers.blocks.balance import balance_reply
from handlers.blocks.common import section
from handlers.blocks.rate import rate_reply
from handlers.context import HandlerContext
from handlers.i18n import language, t
from handlers.intents import (
    BALANCE,
    HELP,
    LICENSED,
    MINUTES,
    RATE,
    SPEND,
    Intent,
    parse_intent,
    rate_target,
    spend_period,
)
from handlers.reply import Reply
from handlers.usage_text import calls, number, period_phrase


@dataclass(frozen=True)
class Question:
    """A DM or mention: who asked, in which workspace, and what they meant."""

    team_id: str
    user_id: str
    intent: Intent
    locale: str | None
    asker: Asker


def answer_help(ctx: HandlerContext, question: Question) -> Reply:
    text = t("I can answer in plain words:\n"
             "• *balance*: _what's our balance?_, _how much credit is left?_\n"
             "• *license*: _am I licensed?_, _do I have a license?_\n"
             "• *rates*: _how much does it cost to call Japan?_, _rate for +33 1 23 45 67 89_\n"
             "• *your spend*: _how much did I spend this month?_, _how much did I spend in "
             "October?_\n"
             "• *your minutes*: _how many minutes did I use last month?_\n"
             "Everything else is in `/credits help`.", question.locale)
    if not question.intent.understood:
        text = t("Sorry, I did not understand that.", question.locale) + " " + text
    return Reply(text=text, blocks=[section(text)])


def answer_balance(ctx: HandlerContext, question: Question) -> Reply:
    locale = question.locale
    return ctx.services.summaries.rendered(
        question.team_id, ("balance", locale),
        lambda summary: balance_reply(summary, locale=locale))


def answer_licensed(ctx: HandlerContext, question: Question) -> Reply:
    account = question.asker.account
    licensed = ctx.services.licenses.is_licensed(account_id=account.id,
                                                 slack_user_id=question.user_id)
    if licensed:
        text = t(":white_check_mark: Yes: you have a Communications Credits license, so your "
                 "calls can use the credits.", question.locale)
    else:
        text = t("No: you have no Communications Credits license, so calls that need credits "
                 "are flagged as unlicensed. A credits admin can assign one with "
                 "`/credits license assign @you`.", question.locale)
    return Reply(text=text, blocks=[section(text)])


def answer_rate(ctx: HandlerContext, question: Question) -> Reply:
    """"How much does it cost to call Japan?": the rate of what was named, as `/credits rate`."""
    target = rate_target(question.intent.text)
    ask = t("Which destination? Ask for a number (`+44 20 7946 0000`), a country (`Germany`, "
            "`DE`) or toll-free (`toll-free US`), for example _how much does it cost to call "
            "Japan?_", question.locale)
    if target is None:
        return Reply(text=ask, blocks=[section(ask)])
    account = question.asker.account
    rates = ctx.services.rates
    try:
        quote = rates.quote(target, region=account.region)
    except (InvalidNumber, UnknownDestination, NoRate) as exc:
        # The service explains in English (with examples); other languages get theirs too.
        text = f":warning: {exc}"
        if language(question.locale) != "en" and not isinstance(exc, NoRate):
            text += f"\n{ask}"
        return Reply(text=text, blocks=[section(text)])
    return rate_reply(quote, source=rates.deck().source, locale=question.locale)


def answer_spend(ctx: HandlerContext, question: Question) -> Reply:
    """"How much did I spend this month?" and "how many minutes did I use in October?": the
    asker's own calls, found by their e-mail (UPN), in the period the words name."""
    profile = ctx.directory.profile(question.user_id)
    if profile is None or not profile.email:
        text = t("Slack has no e-mail address for you, and call records name people by it "
                 "(their UPN), so I cannot find your calls. A credits admin can see everyone's "
                 "usage.", question.locale)
        return Reply(text=text, blocks=[section(text)])
    account = question.asker.account
    reports = ctx.services.usage_reports
    period = reports.period(account, spend_period(question.intent.text))
    summary = reports.summary(account, period, user=profile.email)
    when = period_phrase(period, question.locale)
    if question.intent.name == MINUTES:
        if not summary.calls:
            text = t("You made no calls {period}.", question.locale, period=when)
        else:
            text = t("You used *{minutes} min* {period}: {calls}, {spend}.",
                     question.locale, period=when,
                     minutes=number(summary.minutes, question.locale),
                     calls=calls(summary.calls, question.locale),
                     spend=summary.spend.format(question.locale))
    elif not summary.calls:
        text = t("You made no calls that cost credits {period}.", question.locale, period=when)
    else:
        text = t("You spent *{spend}* {period}: {calls}, {minutes} min.",
                 question.locale, period=when,
                 spend=summary.spend.format(question.locale),
                 calls=calls(summary.calls, question.locale),
                 minutes=number(summary.minutes, question.locale))
    return Reply(text=text, blocks=[section(text)])


Answer = Callable[[HandlerContext, Question], Reply]
ANSWERS: dict[str, Answer] = {
    HELP: answer_help,
    BALANCE: answer_balance,
    LICENSED: answer_licensed,
    RATE: answer_rate,
    SPEND: answer_spend,
    MINUTES: answer_spend,
}


def answer_message(ctx: HandlerContext, *, team_id: str, user_id: str, text: str,
                   asker: Asker) -> Reply:
    """The reply to a DM or mention of `user_id`."""
    intent = parse_intent(text)
    locale = asker.locale or intent.language
    question = Question(team_id=team_id, user_id=user_id, intent=intent, locale=locale,
                        asker=asker)
    return ANSWERS[intent.name](ctx, question)
