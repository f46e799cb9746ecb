"""`/credits <subcommand> …`: find the subcommand, check rights, run it, answer within the ack.

Subcommands marked slow are acknowledged at once and answered from a lazy listener, so that no
upload or import ever delays an ack (Slack gives up after 3 seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.errors import CreditsError, InsufficientRights
from handlers.asking import INVOCATION
from handlers.blocks.common import error_reply
from handlers.commands.base import Invocation, Reply, Run, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import error_text, t

log = logging.getLogger(__name__)


class Router:
    def __init__(self, ctx: HandlerContext, subcommands: Sequence[Subcommand],
                 help_reply: Callable[[Sequence[Subcommand], str | None], Reply]) -> None:
        self.ctx = ctx
        self.subcommands = list(subcommands)
        self.by_name = {name: sub for sub in subcommands for name in (sub.name, *sub.aliases)}
        self.help_reply = help_reply

    def find(self, invocation: Invocation) -> Subcommand | None:
        return self.by_name.get(invocation.word)

    def answer(self, invocation: Invocation) -> Reply:
        """Answer a fast subcommand completely (slow ones get a 'working on it' note)."""
        if invocation.word == "help":
            return self.help_reply(self.subcommands, self._locale(invocation))
        sub = self.find(invocation)
        if sub is None:
            word = invocation.text.split()[0][:30]
            names = ", ".join(f"`{s.name}`" for s in self.subcommands)
            return error_reply(t("There is no `/credits {word}`. Try one of: {names}, or "
                                 "`/credits help`.", self._locale(invocation), word=word,
                                 names=names))
        if sub.runs_slow(self.ctx, invocation.args):
            refusal = self._check_rights(sub, invocation)
            if refusal is None and sub.acknowledge is not None:
                return self._acknowledge(sub, invocation)
            refusal = refusal or self._check_arguments(sub, invocation)
            return refusal or Reply(text=t("Working on `/credits {name}`…",
                                           self._locale(invocation), name=sub.name))
        return self.run(sub, invocation) or Reply(text="")

    def _acknowledge(self, sub: Subcommand, invocation: Invocation) -> Reply:
        assert sub.acknowledge is not None
        reply = self._guarded(sub, invocation, sub.acknowledge, audit=True)
        assert reply is not None  # an acknowledgement always answers
        return reply

    def _check_arguments(self, sub: Subcommand, invocation: Invocation) -> Reply | None:
        check = sub.check
        if check is None:
            return None

        def checking(ctx: HandlerContext, invocation: Invocation) -> None:
            check(ctx, invocation)

        return self._guarded(sub, invocation, checking, audit=False)

    def is_slow(self, invocation: Invocation) -> bool:
        """Whether this `/credits …` needs the lazy listener."""
        sub = self.find(invocation)
        return bool(sub and sub.runs_slow(self.ctx, invocation.args))

    def run(self, sub: Subcommand, invocation: Invocation) -> Reply | None:
        refusal = self._check_rights(sub, invocation)
        if refusal is not None:
            return refusal
        return self._guarded(sub, invocation, sub.run, audit=True, audit_ok=True)

    def _guarded(self, sub: Subcommand, invocation: Invocation, body: Run, *, audit: bool,
                 audit_ok: bool = False) -> Reply | None:
        """Run a subcommand's body: bad arguments answer with its usage, a refusal (any
        CreditsError) with its sentence in the user's language, audited when `audit`."""
        try:
            reply = body(self.ctx, invocation)
        except UsageError as exc:
            return error_reply(self._error_text(exc, invocation), usage=sub.usage,
                               locale=self._locale(invocation))
        except CreditsError as exc:
            if audit:
                self._audit(sub, invocation, "error", str(exc))
            return error_reply(self._error_text(exc, invocation))
        if audit_ok and reply is not None:
            self._audit(sub, invocation, "ok", None)
        return reply

    def _locale(self, invocation: Invocation) -> str | None:
        return invocation.asker.locale

    def _error_text(self, error: CreditsError, invocation: Invocation) -> str:
        return error_text(error, self._locale(invocation))

    def _audit(self, sub: Subcommand, invocation: Invocation, result: str,
               detail: str | None) -> None:
        if sub.needs_admin(invocation.args):
            self.ctx.services.audit.record(
                team_id=invocation.team_id, actor=invocation.user_id,
                action=f"command.{sub.name}", result=result,
                arguments={"text": invocation.text}, detail=detail)

    def _check_rights(self, sub: Subcommand, invocation: Invocation) -> Reply | None:
        if not sub.needs_admin(invocation.args):
            return None
        try:
            invocation.asker.require_admin(action=f"command.{sub.name}",
                                           arguments={"text": invocation.text})
        except InsufficientRights as exc:
            return error_reply(self._error_text(exc, invocation))
        return None

    # -- Bolt listeners -----------------------------------------------------------------------
    def ack_command(self, ack: Callable[..., Any], context: dict[str, Any]) -> None:
        try:
            reply = self.answer(context[INVOCATION])
        except CreditsError as exc:  # e.g. Slack rate-limited a look-up beyond the wait cap
            reply = error_reply(str(exc))  # the look-up of the user's locale is what failed
        ack(**reply.as_message())

    def finish_slow(self, context: dict[str, Any], respond: Callable[..., Any]) -> None:
        invocation: Invocation = context[INVOCATION]
        sub = self.find(invocation)
        if sub is None or not sub.runs_slow(self.ctx, invocation.args):
            return
        # The ack already answered refusals and bad arguments: nothing more to say for those.
        try:
            if sub.needs_admin(invocation.args) and not invocation.asker.is_admin:
                return
        except CreditsError:  # Slack too busy to say who this is: the ack said so already
            return
        if sub.acknowledge is None and self._check_arguments(sub, invocation) is not None:
            return
        try:
            reply = self.run(sub, invocation)
        except Exception:
            # The ack said "working on it": never leave the user waiting on silence.
            log.exception("/credits %s failed in the lazy listener", sub.name)
            reply = error_reply(t("Sorry, something went wrong on our side while working on "
                                  "`/credits {name}`. It has been logged; please try again.",
                                  self._locale(invocation), name=sub.name))
        if reply is not None:
            respond(**reply.as_message(), replace_original=False)


class Paced(Middleware):
    """The listener middleware that splits `/credits …` between its two listeners: it lets
    through the subcommands whose pace (`slow`: they need the lazy listener) is this
    listener's and passes the others on to the next listener (a `Middleware` that returns
    None without calling `next`). A listener matcher would do the same, but Bolt builds a
    matcher's keyword arguments on every request and calls a middleware's `process`
    directly."""

    def __init__(self, router: Router, *, slow: bool) -> None:
        self.router = router
        self.slow = slow

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        if self.router.is_slow(req.context[INVOCATION]) is self.slow:
            return next()
        return None  # not this listener's: Bolt tries the next one
