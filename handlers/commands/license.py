"""`/credits license assign|remove <@user…>` (admin) and `/credits license list`.

A license goes to a person: the e-mail Slack's `users.info` gives is their UPN, which is how
imported call records name them. Bots and users Slack does not know get none.

With the Microsoft 365 connection (DESIGN §10) the tenant is changed first (Graph's
assignLicense) and the bot's list only when Graph agreed; `list` shows the tenant's licensed
users beside the bot's and names the differences. Graph calls are slow: then the subcommand is
answered from the lazy listener.
"""

from __future__ import annotations

import re

from bot.errors import CreditsError
from bot.graph.licenses import TenantLicenseError
from bot.licenses import LicenseView
from handlers.blocks.license import (
    UserOutcome,
    license_changes_reply,
    license_list_reply,
    tenant_comparison,
    with_tenant,
)
from handlers.commands.base import Invocation, Subcommand, UsageError, parse_user
from handlers.context import HandlerContext
from handlers.i18n import N_, t, tn
from handlers.reply import Reply

USAGE = "license assign <@user…> | remove <@user…> | list"
CHANGES = ("assign", "remove")
MAX_USERS = 50
# A mention may hold a space after its pipe (`<@U1|Ann Lee>`): keep each `<…>` whole.
_TOKENS = re.compile(r"<[^>]*>|\S+")


def acknowledge(ctx: HandlerContext, invocation: Invocation) -> Reply:
    """Within the ack: check the mentions (no Web API call) and say what happens next."""
    if not _changes(invocation.args):  # `list` asking the tenant, or a word to explain
        if invocation.args and invocation.args[0].lower() == "list":
            return Reply(text=t("Working on `/credits {name}`…",
                                  ctx.directory.locale(invocation.user_id), name="license list"))
        raise UsageError(N_("Say what to do: `license assign @user`, `license remove @user` "
                            "or `license list`."))
    users = mentioned_users(invocation.text)
    return Reply(text=tn(":hourglass_flowing_sand: Working on the license of {count} user… "
                         "The answer follows here.",
                         ":hourglass_flowing_sand: Working on the licenses of {count} users… "
                         "The answer follows here.", len(users),
                         invocation.asker.locale))


def run(ctx: HandlerContext, invocation: Invocation) -> Reply | None:
    args = invocation.args
    locale = invocation.asker.locale
    account = invocation.asker.account
    licenses = ctx.services.licenses
    word = args[0].lower() if args else ""
    if word == "list" and len(args) == 1:
        reply = license_list_reply(licenses.list(account_id=account.id), locale=locale)
        return _with_tenant(ctx, reply, licenses.list(account_id=account.id), locale)
    if word not in CHANGES:
        raise UsageError(N_("Say what to do: `license assign @user`, `license remove @user` "
                            "or `license list`."))
    try:
        users = mentioned_users(invocation.text)
    except UsageError:
        return None  # the ack showed the usage already
    outcomes = [(assign if word == "assign" else remove)(ctx, account.id, user, invocation)
                for user in users]
    return license_changes_reply(outcomes, count=licenses.count(account_id=account.id),
                                 locale=locale)


def mentioned_users(text: str) -> list[str]:
    """The user ids mentioned after `license assign|remove`, each once, in order."""
    parts = text.split(maxsplit=2)
    tokens = _TOKENS.findall(parts[2]) if len(parts) > 2 else []
    if not tokens:
        raise UsageError(N_("Mention at least one user, for example `license assign @alice`."))
    users = list(dict.fromkeys(parse_user(token, USAGE) for token in tokens))
    if len(users) > MAX_USERS:
        raise UsageError(N_("Mention at most {most} users at a time."), most=MAX_USERS)
    return users


def assign(ctx: HandlerContext, account_id: int, user_id: str,
           invocation: Invocation) -> UserOutcome:
    profile = ctx.directory.profile(user_id)
    if profile is None:
        return UserOutcome(user_id, "unknown")
    if profile.is_bot:
        return UserOutcome(user_id, "bot")
    graph = ctx.services.graph
    tenant = graph.licenses if graph.connected else None
    if tenant is not None:
        if not profile.email:
            return UserOutcome(user_id, "tenant_no_email")
        try:
            tenant.assign(profile.email)
        except TenantLicenseError as exc:
            return UserOutcome(user_id, exc.key, profile.email, exc.values)
    done = ctx.services.licenses.assign(account_id=account_id, slack_user_id=user_id,
                                        email=profile.email, actor=invocation.user_id)
    if done.outcome == "already":
        return UserOutcome(user_id, "already", done.license.email)
    return UserOutcome(user_id, "assigned" if done.license.email else "assigned_no_email",
                       done.license.email)


def remove(ctx: HandlerContext, account_id: int, user_id: str,
           invocation: Invocation) -> UserOutcome:
    # No users.info here: a user who left Slack must still be removable.
    graph = ctx.services.graph
    tenant = graph.licenses if graph.connected else None
    if tenant is not None:
        email = ctx.services.licenses.email_of(account_id=account_id, slack_user_id=user_id)
        if email:
            try:
                tenant.remove(email)
            except TenantLicenseError as exc:
                return UserOutcome(user_id, exc.key, email, exc.values)
    removed = ctx.services.licenses.remove(account_id=account_id, slack_user_id=user_id,
                                           actor=invocation.user_id)
    return UserOutcome(user_id, "removed" if removed else "none")


def _with_tenant(ctx: HandlerContext, reply: Reply, listed: list[LicenseView],
                 locale: str | None) -> Reply:
    """The bot's list, then the tenant's count and the differences (with the connection)."""
    graph = ctx.services.graph
    if not graph.connected:
        return reply
    try:
        tenant = graph.licenses.licensed_upns()
    except CreditsError as exc:
        return with_tenant(reply, tenant_comparison(None, set(), error=str(exc),
                                                    locale=locale))
    ours = {item.email for item in listed if item.email}
    return with_tenant(reply, tenant_comparison(tenant, ours, locale=locale))


def _slow(ctx: HandlerContext, args: tuple[str, ...]) -> bool:
    # Changes ask users.info once per mention; with the connection every call asks Graph.
    return _changes(args) or ctx.services.graph.connected


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


SUBCOMMAND = Subcommand(name="license", usage=USAGE, run=run, admin_when=_changes,
                        slow_when=_slow, acknowledge=acknowledge,
                        summary=N_("list licensed users; admins assign or remove licenses"))
