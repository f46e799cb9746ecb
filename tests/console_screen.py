"""Drive a console run as a person types into it."""

from __future__ import annotations

from bot.console.session import run_lines


def type_lines(console, *lines: str) -> str:
    """Type lines into a `(run, screen)` console; return what the screen showed for them."""
    run, screen = console
    screen.export_text()  # forget what was shown before
    run_lines(run.session, lines, echo=True)
    return screen.export_text()
