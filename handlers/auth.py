"""Admin rights: CREDITS_ADMINS, plus the workspace's owners and admins (from `users.info`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.audit import AuditLog
from bot.errors import InsufficientRights
from handlers.directory import Directory


class Rights:
    def __init__(self, admins: tuple[str, ...], directory: Directory, audit: AuditLog) -> None:
        self.admins = frozenset(admins)
        self.directory = directory
        self.audit = audit

    def is_admin(self, user_id: str) -> bool:
        if user_id in self.admins:
            return True
        profile = self.directory.profile(user_id)
        return bool(profile and (profile.is_admin or profile.is_owner))

    def require_admin(self, *, team_id: str, user_id: str, action: str,
                      arguments: Mapping[str, Any] | None = None) -> None:
        """Refuse a non-admin, and put the attempt in the audit log."""
        if self.is_admin(user_id):
            return
        self.audit.record(team_id=team_id, actor=user_id, action=action, result="denied",
                          arguments=arguments, detail="not a credits admin")
        raise InsufficientRights(
            "Only credits admins can do that. Ask a workspace admin, or someone listed in "
            "CREDITS_ADMINS.")
