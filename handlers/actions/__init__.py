"""Button clicks: one module per action family, each with its own `register`."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import (
    adjust_confirm,
    alert_buttons,
    autorecharge_confirm,
    autorecharge_setup,
    deposit_confirm,
    payment_method,
    post_in_channel,
)
from handlers.context import HandlerContext


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the action listeners."""
    deposit_confirm.register(app, ctx)
    alert_buttons.register(app, ctx)
    autorecharge_setup.register(app, ctx)
    autorecharge_confirm.register(app, ctx)
    adjust_confirm.register(app, ctx)
    post_in_channel.register(app, ctx)
    payment_method.register(app, ctx)
