"""What every handler needs: the services and use cases, the directory of users, rights and the
Web API. Who is asking (per request) is in `handlers.asking`."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.services import Services
from bot.usecases import UseCases
from handlers.auth import Rights
from handlers.directory import Directory


@dataclass
class HandlerContext:
    services: Services
    client: WebClient
    directory: Directory
    rights: Rights
    use_cases: UseCases
