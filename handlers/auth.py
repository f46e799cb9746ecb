"""Admin rights: CREDITS_ADMINS, plus the workspace's owners and admins (from `users.info`),
each within the installed workspace only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.audit import AuditLog
from bot.errors import InsufficientRights
from bot.i18n import N_
from handlers.directory import Directory
from handlers.tenancy import Workspace


class Rights:
    def __init__(self, admins: tuple[str, ...], directory: Directory, audit: AuditLog,
                 workspace: Workspace | None = None) -> None:
        self.admins = frozenset(admins)
        self.directory = directory
        self.audit = audit
        self.workspace = workspace

    def is_admin(self, user_id: str, team_id: str | None = None) -> bool:
        """Whether the user is a credits admin of `team_id` (the installed workspace): user
        ids of CREDITS_ADMINS name users of that workspace, and Slack's admin flags count for
        the user's own team only."""
        if team_id is not None and self.workspace is not None:
            installed = self.workspace.installed_team()
            if installed is None or team_id != installed:
                return False
        if user_id in self.admins:
            return True
        profile = self.directory.profile(user_id)
        if profile is None or (team_id and profile.team_id and profile.team_id != team_id):
            return False
        return profile.is_admin or profile.is_owner

    def require_admin(self, *, team_id: str, user_id: str, action: str,
                      arguments: Mapping[str, Any] | None = None) -> None:
        """Refuse a non-admin, and put the attempt in the audit log."""
        if not self.is_admin(user_id, team_id):
            self.deny(team_id=team_id, user_id=user_id, action=action, arguments=arguments)

    def deny(self, *, team_id: str, user_id: str, action: str,
             arguments: Mapping[str, Any] | None = None) -> None:
        """Refuse a user found not to be an admin, and put the attempt in the audit log."""
        self.audit.record(team_id=team_id, actor=user_id, action=action, result="denied",
                          arguments=arguments, detail="not a credits admin")
        raise InsufficientRights(N_(
            "Only credits admins can do that. Ask a workspace admin, or someone listed in "
            "CREDITS_ADMINS."))
