"""Wait for what Bolt's lazy listeners (slow subcommands, DM imports) send from their threads."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.console.local_slack import LocalSlack, SlackCall

TIMEOUT = 30.0


def wait_for(slack: LocalSlack, method: str, *, count: int = 1,
             where: Callable[[SlackCall], bool] = lambda call: True,
             timeout: float = TIMEOUT) -> list[SlackCall]:
    """The calls of `method` (that `where` accepts) once there are `count`; fails after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = [call for call in slack.calls_to(method) if where(call)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} {method} call(s) after {timeout} s, expected "
                                 f"{count}; calls: {[c.method for c in slack.calls]}")
        time.sleep(0.02)


def respond_texts(slack: LocalSlack, *, count: int = 1) -> list[str]:
    """The texts answered through response URLs, once there are `count`."""
    return [str(call.params.get("text")) for call in wait_for(slack, "respond", count=count)]
