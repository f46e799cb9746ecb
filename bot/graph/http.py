"""The one HTTP client of the Microsoft 365 connection: httpx with timeouts, shared by msal.

msal takes any object with requests-like `get`/`post`/`close` as its `http_client`, so the token
requests go through the same client (same timeouts, same trusted CAs) as the Graph calls.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from bot.config import Settings

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def make_http_client(settings: Settings) -> httpx.Client:
    """An httpx client with timeouts, trusting MS_CA_BUNDLE besides the usual CAs."""
    verify: ssl.SSLContext | bool = True
    if settings.ms_ca_bundle is not None:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(settings.ms_ca_bundle))
        verify = context
    return httpx.Client(timeout=TIMEOUT, verify=verify, follow_redirects=False)


class MsalHttp:
    """httpx behind the small requests-like interface msal calls."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def get(self, url: str, params: Any = None, headers: Any = None,
            **_ignored: Any) -> httpx.Response:
        return self.client.get(url, params=params, headers=_clean(headers))

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **_ignored: Any) -> httpx.Response:
        if isinstance(data, dict):  # msal posts its token requests as a form
            # requests sends bytes values as they are; httpx would write "b'…'": msal's
            # certificate assertion is bytes.
            form = {name: value.decode() if isinstance(value, bytes) else value
                    for name, value in data.items()}
            return self.client.post(url, params=params, data=form, headers=_clean(headers))
        return self.client.post(url, params=params, content=data, headers=_clean(headers))

    def close(self) -> None:
        """msal closes its http client when it is done; ours is owned by the connection."""


def _clean(headers: Any) -> dict[str, str] | None:
    # msal passes None for headers it has no value for (client-request-id); httpx refuses None.
    if not headers:
        return None
    return {str(name): str(value) for name, value in dict(headers).items() if value is not None}
