"""Who a Slack user is (name, e-mail, locale, admin flags): `users.info`, cached briefly.

All the handlers' Web API reads of users go through here, so rights and locales are looked up
the same way everywhere.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import CreditsError
from handlers.i18n import N_

CACHE_SECONDS = 300.0


class SlackBusy(CreditsError):
    """Slack rate-limited a look-up for longer than a request may wait (the client's cap)."""

    def __init__(self, retry_after: str | None) -> None:
        if retry_after:
            super().__init__(N_("Slack asks the bot to slow down for {seconds} seconds; nothing "
                                "was changed. Please try again in a moment."), seconds=retry_after)
        else:
            super().__init__(N_("Slack asks the bot to slow down for a few seconds; nothing was "
                                "changed. Please try again in a moment."))


@dataclass(frozen=True)
class SlackProfile:
    user_id: str
    name: str
    email: str | None
    locale: str | None
    is_admin: bool
    is_owner: bool
    is_bot: bool
    team_id: str | None = None  # the workspace the user belongs to


class Directory:
    """Caches `users.info` answers per user for a few minutes."""

    def __init__(self, client: WebClient, *, ttl: float = CACHE_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, SlackProfile | None]] = {}
        self._lock = threading.Lock()

    def profile(self, user_id: str) -> SlackProfile | None:
        """The user's profile, or None when Slack does not know the user."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                found = None
            elif exc.response.status_code == 429:
                raise SlackBusy(exc.response.headers.get("Retry-After")) from exc
            else:
                raise
        else:
            profile = user.get("profile") or {}
            found = SlackProfile(
                user_id=user_id, name=user.get("real_name") or user.get("name") or user_id,
                email=(profile.get("email") or None), locale=user.get("locale"),
                is_admin=bool(user.get("is_admin")), is_owner=bool(user.get("is_owner")),
                is_bot=bool(user.get("is_bot")), team_id=user.get("team_id"))
        with self._lock:
            self._cache[user_id] = (now, found)
        return found

    def locale(self, user_id: str) -> str | None:
        try:
            profile = self.profile(user_id)
        except (SlackApiError, SlackBusy):
            return None  # a locale is a nicety: answer in English rather than fail
        return profile.locale if profile else None

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._cache.pop(user_id, None)
