"""What `usage`, `export` and `report` share: the period argument and whose calls to show."""

from __future__ import annotations

from collections.abc import Sequence

from bot.accounts import AccountView
from bot.errors import CreditsError, Sentence
from bot.usage.periods import PERIOD_USAGE, Period, is_period
from handlers.asking import Asker
from handlers.commands.base import UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_

_BEFORE_PERIOD = frozenset({"in", "im", "for", "für", "during"})


def period_text(words: Sequence[str]) -> str | None:
    """The period among the remaining words: none, one word, a range written with spaces, or
    people's words for one (`last month`, `October 2026`). Words beside a period are named as
    what is not understood: the period itself may be fine."""
    if len(words) > 1 and words[0].lower() in _BEFORE_PERIOD and is_period(" ".join(words[1:])):
        words = words[1:]  # "in October", "im Oktober 2026"
    joined = " ".join(words)
    if len(words) <= 1 or ".." in joined or is_period(joined):
        return joined or None
    periods = [word for word in words if is_period(word)]
    if len(periods) > 1:
        raise UsageError(N_("Give one period: {usage}."), usage=Sentence.of(PERIOD_USAGE))
    others = " ".join(f"`{word.replace('`', chr(39))[:30]}`" for word in words
                      if not is_period(word))
    raise UsageError(N_("I do not know {words} here."), words=others)


def read_period(ctx: HandlerContext, account: AccountView, text: str | None) -> Period:
    """The period in the account's time zone; a bad one is a usage error."""
    try:
        return ctx.services.usage_reports.period(account, text)
    except CreditsError as exc:
        raise UsageError.of(exc) from None


def own_email(ctx: HandlerContext, asker: Asker) -> str | None:
    """None for an admin (everyone's calls); for a member, their e-mail: the UPN that names
    them on call records. A member Slack gives no e-mail for is refused."""
    if ctx.rights.is_admin(asker.user_id):
        return None
    profile = ctx.directory.profile(asker.user_id)
    if profile is None or not profile.email:
        raise CreditsError(N_("Slack has no e-mail address for you, and call records name "
                              "people by it (their UPN), so I cannot find your calls. A credits "
                              "admin can see everyone's usage."))
    return profile.email
