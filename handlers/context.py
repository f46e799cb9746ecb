"""What every handler needs: the services, the settings, the directory of users, rights, the
installed workspace and the Web API (built by the composition root, bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.config import Settings
from bot.services import Services
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
