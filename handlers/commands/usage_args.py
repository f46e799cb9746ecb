"""What `usage`, `export` and `report` share: the period argument and whose calls to show."""

from __future__ import annotations

from collections.abc import Sequence

from bot.accounts import AccountView
from bot.errors import CreditsError, Sentence
from bot.usage.periods import PERIOD_USAGE, Period
from handlers.commands.base import UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_


def period_text(words: Sequence[str]) -> str | None:
    """The period among the remaining words: none, one word, or a range written with spaces."""
    if len(words) > 1 and ".." not in "".join(words):
        raise UsageError(N_("Give one period: {usage}."), usage=Sentence.of(PERIOD_USAGE))
    return " ".join(words) or None


def read_period(ctx: HandlerContext, account: AccountView, text: str | None) -> Period:
    """The period in the account's time zone; a bad one is a usage error."""
    try:
        return ctx.services.usage_reports.period(account, text)
    except CreditsError as exc:
        raise UsageError.of(exc) from None


def own_email(ctx: HandlerContext, user_id: str) -> str | None:
    """None for an admin (everyone's calls); for a member, their e-mail: the UPN that names
    them on call records. A member Slack gives no e-mail for is refused."""
    if ctx.rights.is_admin(user_id):
        return None
    profile = ctx.directory.profile(user_id)
    if profile is None or not profile.email:
        raise CreditsError(N_("Slack has no e-mail address for you, and call records name "
                              "people by it (their UPN), so I cannot find your calls. A credits "
                              "admin can see everyone's usage."))
    return profile.email
