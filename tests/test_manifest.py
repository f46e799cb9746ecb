"""manifest.yml: valid against Slack's own schema, and in step with the code.

Every command and event the manifest declares has a listener and every listener is declared;
every button the code builds has an action listener and every action listener has a button;
the bot scopes are exactly those the code's Web API calls and the declared events need.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"
# Slack's schema, vendored with its licence (tests/vendor/slack_manifest/README.md).
SCHEMA = ROOT / "tests" / "vendor" / "slack_manifest" / "slack-app-manifest.schema.1.0.0.json"
REQUEST_URL = "https://example.invalid/slack/events"
CODE_DIRS = ("bot", "handlers")

# The bot scopes each Web API method needs (https://docs.slack.dev/reference/methods).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "conversations_open": {"im:write"},
    # users.info; the Directory reads the e-mail (a user's UPN for licenses) too.
    "users_info": {"users:read", "users:read.email"},
    # The alert routing's workspace owners and admins (is_owner / is_admin).
    "users_list": {"users:read"},
    # The alert channel check (is_member) and the member count before posting in a channel.
    "conversations_info": {"channels:read", "groups:read"},
    "views_publish": set(),
    "views_open": set(),
    "views_update": set(),
    "files_upload_v2": {"files:write"},
    "files_getUploadURLExternal": {"files:write"},
    "files_completeUploadExternal": {"files:write"},
    "files_info": {"files:read"},
}
EVENT_SCOPES = {"message.im": {"im:history"}, "app_mention": {"app_mentions:read"},
                "app_home_opened": set()}
WEB_API_CALL = re.compile(r"\.((?:chat|conversations|users|views|files|auth|team|reactions|"
                          r"pins|bookmarks|usergroups)_[A-Za-z0-9_]+)\(")


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_is_valid_against_slacks_schema(manifest):
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(manifest)]
    assert errors == []


def test_every_request_goes_to_the_one_url(manifest):
    urls = [command["url"] for command in manifest["features"]["slash_commands"]]
    urls += [manifest["settings"]["event_subscriptions"]["request_url"],
             manifest["settings"]["interactivity"]["request_url"]]
    assert set(urls) == {REQUEST_URL}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]


# -- listeners ---------------------------------------------------------------------------------

def listener_keys(app) -> set[tuple[str, str]]:
    """(kind, id) of every listener of a Bolt app, read from its built-in matchers."""
    keys: set[tuple[str, str]] = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None or "<locals>" not in func.__qualname__:
                continue
            kind = func.__qualname__.split(".")[0]
            found = inspect.getclosurevars(func).nonlocals
            value = next(found[name] for name in ("command", "event_type", "constraints",
                                                  "callback_id") if name in found)
            if isinstance(value, dict):
                value = value.get("type") or value.get("action_id") or value.get("callback_id")
            keys.add((kind, getattr(value, "pattern", value)))
    return keys


def test_commands_and_events_have_listeners_and_listeners_are_declared(bolt, manifest):
    keys = listener_keys(bolt.app)
    declared_commands = {command["command"] for command in manifest["features"]["slash_commands"]}
    assert {value for kind, value in keys if kind == "command"} == declared_commands
    declared_events = {name.split(".")[0]
                       for name in manifest["settings"]["event_subscriptions"]["bot_events"]}
    assert {value for kind, value in keys if kind == "event"} == declared_events
    shortcuts = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert {value for kind, value in keys if "shortcut" in kind} == shortcuts


def _resolve(node: ast.expr, module: Any) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    try:
        value = eval(compile(ast.Expression(node), "<id>", "eval"), vars(module))  # noqa: S307
    except NameError:
        return None
    return value if isinstance(value, str) else None


def ids_in_code(key: str) -> dict[str, str]:
    """Every action_id (or callback_id) the code puts in Block Kit, with where it is."""
    found: dict[str, str] = {}
    for path in sorted(p for folder in CODE_DIRS for p in (ROOT / folder).rglob("*.py")):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text())
        module = None
        for node in ast.walk(tree):
            candidates: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                candidates += [v for k, v in zip(node.keys, node.values, strict=True)
                               if isinstance(k, ast.Constant) and k.value == key]
            elif (key == "action_id" and isinstance(node, ast.Call)
                  and getattr(node.func, "id", getattr(node.func, "attr", "")) == "button"):
                arg = node.args[1] if len(node.args) > 1 else next(
                    (kw.value for kw in node.keywords if kw.arg == "action_id"), None)
                if arg is None:
                    continue
                candidates.append(arg)
                module = module or importlib.import_module(module_name)
                assert _resolve(arg, module) is not None, (
                    f"{path.relative_to(ROOT)}:{node.lineno}: a button's action_id must be a "
                    "constant, so that this test can match it to its listener")
            for candidate in candidates:
                module = module or importlib.import_module(module_name)
                value = _resolve(candidate, module)
                if value is not None:
                    found[value] = f"{path.relative_to(ROOT)}:{candidate.lineno}"
    return found


def test_every_button_has_a_listener_and_every_action_listener_a_button(bolt):
    keys = listener_keys(bolt.app)
    listened = {value for kind, value in keys if kind in ("action", "block_action")}
    buttons = ids_in_code("action_id")
    assert {a: where for a, where in buttons.items() if a not in listened} == {}, \
        "buttons without a listener"
    assert listened - set(buttons) == set(), "action listeners no button triggers"


def test_every_view_callback_has_a_listener(bolt):
    keys = listener_keys(bolt.app)
    listened = {value for kind, value in keys if kind.startswith("view")}
    assert set(ids_in_code("callback_id")) == listened


def test_listener_keys_see_what_the_app_registers(bolt):
    keys = listener_keys(bolt.app)
    assert ("command", "/credits") in keys and ("event", "message") in keys


# -- scopes ------------------------------------------------------------------------------------

def web_api_methods() -> dict[str, str]:
    """Every Web API method the code calls through a WebClient, with where."""
    calls: dict[str, str] = {}
    for path in sorted(p for folder in CODE_DIRS for p in (ROOT / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for method in WEB_API_CALL.findall(line):
                calls.setdefault(method, f"{path.relative_to(ROOT)}:{number}")
    return calls


def test_bot_scopes_are_exactly_what_the_code_needs(manifest):
    calls = web_api_methods()
    unknown = {method: where for method, where in calls.items() if method not in METHOD_SCOPES}
    assert unknown == {}, "add these Web API methods and their scopes to METHOD_SCOPES"
    needed = {"commands"} if manifest["features"]["slash_commands"] else set()
    for method in calls:
        needed |= METHOD_SCOPES[method]
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
