"""App-only tokens for Graph from msal's client-credentials flow, cached until they expire."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlparse

import msal

from bot.config import Settings
from bot.errors import CreditsError
from bot.graph.http import MsalHttp

SCOPE_SUFFIX = "/.default"
# Microsoft's own login hosts: msal validates these itself; any other host is the operator's
# choice (a sovereign cloud, a test stand-in), so msal is told not to ask Microsoft about it.
MICROSOFT_HOSTS = frozenset({"login.microsoftonline.com", "login.microsoftonline.us",
                             "login.chinacloudapi.cn", "login.microsoftonline.de"})


class TokenError(CreditsError):
    """Entra refused to give the bot a token (wrong tenant, client, secret or certificate)."""


class TokenSource:
    """Gets and caches the app's token; `refresh()` forgets it (after a 401)."""

    def __init__(self, settings: Settings, http: MsalHttp) -> None:
        self.settings = settings
        self.http = http
        self._app: Any = None
        self._lock = threading.Lock()
        root = urlparse(settings.ms_graph_url)
        self.scope = f"{root.scheme}://{root.netloc}{SCOPE_SUFFIX}"

    def _application(self) -> Any:
        # Built on first use: msal fetches the tenant's OpenID configuration when it is built,
        # and nothing may reach out at start-up or inside a Slack ack.
        if self._app is None:
            settings = self.settings
            authority = f"{settings.ms_authority_url}/{settings.ms_tenant_id}"
            known = urlparse(authority).hostname in MICROSOFT_HOSTS
            try:
                self._app = msal.ConfidentialClientApplication(
                    settings.ms_client_id, client_credential=self._credential(),
                    authority=authority, http_client=self.http, validate_authority=known,
                    instance_discovery=known)
            except ValueError as exc:
                raise TokenError(f"Microsoft Entra could not be reached at {authority}: "
                                 f"{exc}") from None
        return self._app

    def _credential(self) -> Any:
        settings = self.settings
        if settings.ms_client_secret is not None:
            return settings.ms_client_secret.get_secret_value()
        path = settings.ms_client_certificate_path
        assert path is not None  # graph_enabled checked it
        return {"private_key": path.read_text(),
                "thumbprint": settings.ms_client_certificate_thumbprint}

    def token(self) -> str:
        """The access token (msal's cache answers until shortly before it expires)."""
        with self._lock:
            result = self._application().acquire_token_for_client(scopes=[self.scope])
        if "access_token" not in result:
            described = result.get("error_description") or result.get("error") or result
            raise TokenError(f"Microsoft Entra gave no token: {str(described)[:300]}")
        return str(result["access_token"])

    def refresh(self) -> None:
        """Forget the cached token, so the next `token()` asks Entra for a new one."""
        with self._lock:
            if self._app is not None:
                self._app.remove_tokens_for_client()
