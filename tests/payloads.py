"""Bodies of what Slack sends, signed like Slack signs them."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
TEAM = "T0TEST"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"content-type": content_type, "x-slack-request-timestamp": ts,
            "x-slack-signature": signature}


def slash_command(text: str, *, user_id: str, team_id: str = TEAM, channel_id: str = "C0TEST",
                  response_url: str = "http://127.0.0.1:9/respond/0") -> str:
    return urlencode({
        "token": "legacy-unused", "team_id": team_id, "team_domain": "example",
        "channel_id": channel_id, "channel_name": "billing", "user_id": user_id,
        "user_name": user_id.lower(), "command": "/credits", "text": text,
        "api_app_id": "A0TEST", "response_url": response_url,
        "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().int % 10**12}",
    })


def event_callback(event: dict[str, Any], *, team_id: str = TEAM,
                   event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy-unused", "team_id": team_id, "api_app_id": "A0TEST",
        "type": "event_callback", "event": event,
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
    })


def dm_event(text: str, *, user_id: str, channel: str = "D0TEST",
             **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user_id,
            "text": text, "ts": f"{time.time():.6f}", **extra}


def block_actions(action_id: str, value: str, *, user_id: str, team_id: str = TEAM,
                  channel_id: str = "C0TEST", block_id: str = "b",
                  response_url: str = "http://127.0.0.1:9/respond/0",
                  message: dict[str, Any] | None = None) -> str:
    payload = {
        "type": "block_actions", "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "name": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0TEST", "token": "legacy-unused",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": channel_id, "is_ephemeral": True},
        "trigger_id": "1.2", "channel": {"id": channel_id, "name": "billing"},
        "message": message or {"ts": "1700000000.000100", "text": ""},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": block_id, "value": value,
                     "type": "button", "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(callback_id: str, values: dict[str, dict[str, Any]], *, user_id: str,
                    team_id: str = TEAM, private_metadata: str = "") -> str:
    """A modal's Submit: `values` maps block_id -> {action_id: typed text, or the state of a
    select or radio buttons as Slack sends it (`{"type": ..., "selected_option": ...}`)}."""
    payload = {
        "type": "view_submission", "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "name": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0TEST", "token": "legacy-unused", "trigger_id": "1.3",
        "view": {"id": "V0TEST", "type": "modal", "callback_id": callback_id,
                 "private_metadata": private_metadata, "team_id": team_id,
                 "state": {"values": {
                     block: {action: text if isinstance(text, dict)
                             else {"type": "plain_text_input", "value": text}
                             for action, text in inputs.items()}
                     for block, inputs in values.items()}}},
    }
    return urlencode({"payload": json.dumps(payload)})
