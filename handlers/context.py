"""What every handler needs: the services and use cases, the settings, the directory of users,
rights, the installed workspace and the Web API (built by the composition root, bot/app.py).
Who is asking (per request) is in `handlers.asking`."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.config import Settings
from bot.services import Services
from bot.usecases import UseCases
from handlers.auth import Rights
from handlers.directory import Directory
from handlers.tenancy import Workspace


@dataclass(frozen=True)
class HandlerContext:
    services: Services
    settings: Settings
    client: WebClient
    directory: Directory
    workspace: Workspace
    rights: Rights
    use_cases: UseCases
