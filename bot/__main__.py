"""`python -m bot` is `credits-bot`."""

from bot.cli.main import main

main()
