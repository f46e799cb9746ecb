"""A local stand-in for the Slack Web API: records every call and answers like Slack does.

The console talks to it instead of slack.com (no workspace needed), and the tests use it as the
fake that shows what reached Slack. It serves `/api/<method>`, the `response_url`s it hands out
(`/respond/<id>`), file upload URLs (`/upload/<id>`) and private file downloads (`/files/<id>`).
Failures can be scripted per method (a 429 with Retry-After, a 500, or `ok: false`).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class SlackCall:
    """One request that reached the local Slack."""

    method: str  # a Web API method, or "respond" / "upload"
    params: dict[str, Any]
    token: str | None = None
    raw: bytes = b""
    path: str = ""  # the URL path it was sent to (response URLs differ by it)


@dataclass
class ScriptedFailure:
    status: int = 500
    error: str | None = None  # an `ok: false` answer with this error, status 200
    retry_after: int | None = None


@dataclass
class SlackUser:
    id: str
    name: str
    email: str | None = None
    locale: str = "en-US"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    tz: str = "UTC"
    team_id: str | None = None  # None: the local workspace's own

    def as_json(self, *, include_locale: bool) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id, "name": self.name, "real_name": self.name.title(),
            "is_admin": self.is_admin, "is_owner": self.is_owner, "is_bot": self.is_bot,
            "tz": self.tz, "profile": {"real_name": self.name.title(), "email": self.email,
                                       "display_name": self.name},
        }
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass
class SlackChannel:
    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    num_members: int = 3


@dataclass
class LocalSlack:
    """The server's state; start() binds a loopback port."""

    team_id: str = "T0CONSOLE"
    bot_user_id: str = "UBOT"
    users: dict[str, SlackUser] = field(default_factory=dict)
    # conversations.info: the channels that exist; the bot is a member unless listed in
    # `outside` (channels not listed here exist too, with the bot in them).
    channels: dict[str, SlackChannel] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[SlackCall] = field(default_factory=list)
    on_call: Callable[[SlackCall], None] | None = None
    _failures: dict[str, list[ScriptedFailure]] = field(default_factory=dict)
    _gates: dict[str, threading.Event] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LocalSlack:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for it, and tests stop a server each.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="local-slack", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the local Slack first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    # -- scripting and inspection -------------------------------------------------------------
    def add_user(self, user: SlackUser) -> SlackUser:
        self.users[user.id] = user
        return user

    def add_channel(self, channel: SlackChannel) -> SlackChannel:
        self.channels[channel.id] = channel
        return channel

    def fail_next(self, method: str, failure: ScriptedFailure, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait (at most 30 s) until the returned event is set, and are
        recorded only then: a test can tell work done inside an ack from work done after it."""
        gate = self._gates[method] = threading.Event()
        return gate

    def response_url(self) -> str:
        return f"{self.url}/respond/{next(self._ids)}"

    def add_file(self, content: bytes) -> str:
        file_id = f"F{next(self._ids):06d}"
        self.files[file_id] = content
        return file_id

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- answering --------------------------------------------------------------------------
    def _record(self, call: SlackCall) -> None:
        with self._lock:
            self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)

    def _scripted(self, method: str) -> ScriptedFailure | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The body Slack would answer for a successful call of `method`."""
        ts = f"{1_700_000_000 + next(self._ids)}.000100"
        if method == "auth.test":
            return {"ok": True, "url": "https://local.slack/", "team": "Local",
                    "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": "BBOT"}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            include_locale = str(params.get("include_locale", "")).lower() in ("1", "true")
            found = user.as_json(include_locale=include_locale)
            found.setdefault("team_id", user.team_id or self.team_id)
            return {"ok": True, "user": found}
        if method == "users.list":
            return self._users_page(params)
        if method == "conversations.info":
            return self._channel_info(str(params.get("channel", "")))
        if method in ("chat.postMessage", "chat.update"):
            refusal = self._post_refusal(str(params.get("channel", "")))
            if refusal:
                return {"ok": False, "error": refusal}
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts") or ts,
                    "message": {"text": params.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("U")}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            listed = json.loads(files) if isinstance(files, str) else (files or [])
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in listed]}
        if method == "files.info":
            file_id = str(params.get("file"))
            return {"ok": True, "file": {"id": file_id,
                                         "url_private_download": f"{self.url}/files/{file_id}"}}
        return {"ok": True}


    def _users_page(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.list, paginated by `limit` and `cursor` as Slack does."""
        include_locale = str(params.get("include_locale", "")).lower() in ("1", "true")
        members = sorted(self.users.values(), key=lambda user: user.id)
        start = int(params.get("cursor") or 0)
        size = max(1, min(int(params.get("limit") or 200), 1000))
        page = members[start:start + size]
        next_cursor = str(start + size) if start + size < len(members) else ""
        return {"ok": True, "members": [u.as_json(include_locale=include_locale) for u in page],
                "response_metadata": {"next_cursor": next_cursor}}

    def _post_refusal(self, channel_id: str) -> str | None:
        """Slack's error for a post into a channel the bot is not in, or that is archived."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        if channel.is_archived:
            return "is_archived"
        if not channel.is_member:
            return "channel_not_found" if channel.is_private else "not_in_channel"
        return None

    def _channel_info(self, channel_id: str) -> dict[str, Any]:
        channel = self.channels.get(channel_id)
        if channel is None:
            if not channel_id.startswith(("C", "G")):
                return {"ok": False, "error": "channel_not_found"}
            channel = SlackChannel(channel_id, channel_id.lower())
        if channel.is_private and not channel.is_member:
            return {"ok": False, "error": "channel_not_found"}  # Slack hides it from outsiders
        return {"ok": True, "channel": {
            "id": channel.id, "name": channel.name, "is_channel": not channel.is_private,
            "is_private": channel.is_private, "is_member": channel.is_member,
            "is_archived": channel.is_archived, "num_members": channel.num_members}}


def _handler_for(slack: LocalSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = urlparse(self.path).path
            if path.startswith("/files/") and path[7:] in slack.files:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or None
                slack._record(SlackCall("download", {"file_id": path[7:]}, token))
                if token is None:  # as Slack does: its sign-in page instead of the file
                    self._send(200, b"<!DOCTYPE html><title>Sign in</title>", "text/html")
                else:
                    self._send(200, slack.files[path[7:]], "application/octet-stream")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlparse(self.path).path
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or None
            if path.startswith("/respond/"):
                slack._record(SlackCall("respond", _json_or_form(raw, self.headers), token, raw,
                                        path))
                self._send(200, b"ok", "text/plain")
                return
            if path.startswith("/upload/"):
                slack.files[path[8:]] = raw
                slack._record(SlackCall("upload", {"file_id": path[8:], "size": len(raw)},
                                        token, raw))
                self._send(200, b"OK", "text/plain")
                return
            if not path.startswith("/api/"):
                self._send(404, b"not found", "text/plain")
                return
            method = path[5:]
            params = _json_or_form(raw, self.headers)
            params.update({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
            gate = slack._gates.get(method)
            if gate is not None:
                gate.wait(timeout=30)
            slack._record(SlackCall(method, params, token, raw))
            failure = slack._scripted(method)
            if failure is not None:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                if failure.error:
                    body = {"ok": False, "error": failure.error}
                    self._send(200, json.dumps(body).encode(), "application/json", headers)
                else:
                    error = "ratelimited" if failure.status == 429 else "internal_error"
                    body = {"ok": False, "error": error}
                    self._send(failure.status, json.dumps(body).encode(), "application/json",
                               headers)
                return
            self._send(200, json.dumps(slack.answer(method, params)).encode(),
                       "application/json")

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _json_or_form(raw: bytes, headers: Any) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in (headers.get("Content-Type") or ""):
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {"body": loaded}
    if "multipart" in (headers.get("Content-Type") or ""):
        return {"multipart": True}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
