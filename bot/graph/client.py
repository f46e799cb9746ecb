"""Microsoft Graph, as the bot uses it: the two call-log functions, users, SKUs, licenses.

Errors become exceptions a caller can act on: `GraphThrottled` (429/503, with Retry-After: the
caller reschedules, nothing sleeps here), `GraphRefused` (any other 4xx/5xx, with Graph's error
code and message). A 401 refreshes the token and retries once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlparse

import httpx

from bot.errors import CreditsError
from bot.graph.token import TokenSource

PSTN, DIRECT_ROUTING = "getPstnCalls", "getDirectRoutingCalls"
CALL_LOGS = (PSTN, DIRECT_ROUTING)
DEFAULT_RETRY_AFTER = 60
MAX_PAGES = 100_000  # a nextLink loop is a Graph fault, not a reason to run forever


@dataclass(frozen=True)
class Page:
    """One page of a call log: its records, and the JSON document as Graph sent it."""

    value: list[Any]
    raw: bytes


class GraphError(CreditsError):
    """Graph did not answer as asked."""


class GraphThrottled(GraphError):
    """Graph said 429 or 503: try again after `retry_after` seconds."""

    def __init__(self, status: int, retry_after: int) -> None:
        super().__init__(f"Microsoft Graph answered {status}: try again in {retry_after} s")
        self.status = status
        self.retry_after = retry_after


class GraphRefused(GraphError):
    """Graph refused the request: its status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.message = message


def graph_time(moment: datetime) -> str:
    """A DateTimeOffset as Graph's function parameters take it (UTC, `Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GraphClient:
    """Graph calls on one httpx client with one token source."""

    def __init__(self, http: httpx.Client, tokens: TokenSource, *, base_url: str) -> None:
        self.http = http
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self._host = urlparse(self.base_url).netloc

    # -- call logs ------------------------------------------------------------------------------
    def call_log_pages(self, function: str, start: datetime, end: datetime) -> Iterator[Page]:
        """Every page of getPstnCalls / getDirectRoutingCalls for [start, end), nextLink by
        nextLink."""
        if function not in CALL_LOGS:
            raise ValueError(f"unknown call log {function}")
        url: str | None = (f"{self.base_url}/communications/callRecords/{function}"
                           f"(fromDateTime={graph_time(start)},toDateTime={graph_time(end)})")
        pages = 0
        while url is not None:
            response = self.send("GET", url)
            page = _answer(response)
            if not isinstance(page.get("value"), list):
                raise GraphRefused(200, "invalidResponse", "the page holds no value list")
            yield Page(value=page["value"], raw=response.content)
            pages += 1
            url = page.get("@odata.nextLink") or page.get("@odata.NextLink")
            if url is not None and (urlparse(url).netloc != self._host or pages >= MAX_PAGES):
                # The token goes only to Graph itself.
                raise GraphRefused(200, "invalidNextLink", f"unexpected @odata.nextLink {url}")

    # -- users and licenses -----------------------------------------------------------------------
    def get_user(self, upn: str) -> dict[str, Any] | None:
        """The user by UPN (`id`, `userPrincipalName`), or None when the tenant has none."""
        try:
            return self.request("GET", f"{self.base_url}/users/{quote(upn, safe='@')}"
                                "?$select=id,userPrincipalName,displayName")
        except GraphRefused as exc:
            if exc.status == 404:
                return None
            raise

    def subscribed_skus(self) -> list[dict[str, Any]]:
        return list(self.request("GET", f"{self.base_url}/subscribedSkus").get("value", []))

    def assign_license(self, user_id: str, *, add: list[str] = [],  # noqa: B006 - read only
                       remove: list[str] = []) -> dict[str, Any]:  # noqa: B006
        body = {"addLicenses": [{"disabledPlans": [], "skuId": sku} for sku in add],
                "removeLicenses": list(remove)}
        return self.request("POST", f"{self.base_url}/users/{quote(user_id)}/assignLicense",
                            body=body)

    def licensed_users(self, sku_id: str) -> list[dict[str, Any]]:
        """The users that hold the SKU (every page)."""
        url: str | None = (f"{self.base_url}/users?$filter=assignedLicenses/any(x:x/skuId eq "
                           f"{sku_id})&$select=id,userPrincipalName")
        users: list[dict[str, Any]] = []
        while url is not None:
            page = self.request("GET", url)
            users += page.get("value", [])
            url = page.get("@odata.nextLink")
        return users

    # -- one request ---------------------------------------------------------------------------
    def request(self, method: str, url: str, *, body: Any = None) -> dict[str, Any]:
        """Send with the token (once more after a 401) and read Graph's JSON answer."""
        return _answer(self.send(method, url, body=body))

    def send(self, method: str, url: str, *, body: Any = None) -> httpx.Response:
        """Send with the token; on 401 refresh it and send once more."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.tokens.token()}",
                       "Accept": "application/json"}
            content = None
            if body is not None:
                headers["Content-Type"] = "application/json"
                content = json.dumps(body).encode()
            try:
                response = self.http.request(method, url, headers=headers, content=content)
            except httpx.TimeoutException:
                raise GraphThrottled(504, DEFAULT_RETRY_AFTER) from None
            except httpx.TransportError as exc:
                raise GraphRefused(0, "unreachable", f"Graph could not be reached: {exc}") \
                    from None
            if response.status_code == 401 and attempt == 1:
                self.tokens.refresh()
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover


def _answer(response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    if status in (429, 503):
        raise GraphThrottled(status, _retry_after(response.headers.get("Retry-After")))
    try:
        payload = response.json() if response.content else {}
    except ValueError:
        payload = {}
    if status >= 400:
        error = payload.get("error", {}) if isinstance(payload, dict) else {}
        if not isinstance(error, dict):
            error = {}
        raise GraphRefused(status, str(error.get("code") or response.reason_phrase),
                           str(error.get("message") or "")[:500])
    if not isinstance(payload, dict):
        raise GraphRefused(status, "invalidResponse", "the answer is not a JSON object")
    return payload


def _retry_after(value: str | None) -> int:
    """Retry-After in seconds (Graph sends seconds); a missing or odd value means a minute."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return min(max(seconds, 1), 3600)
