"""What every handler needs: the services, the directory of users, rights and the Web API."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.services import Services
from handlers.auth import Rights
from handlers.directory import Directory


@dataclass
class HandlerContext:
    services: Services
    client: WebClient
    directory: Directory
    rights: Rights
