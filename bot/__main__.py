"""`python -m bot` is `credits-bot`."""

from bot.cli import main

main()
