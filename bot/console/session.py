"""The local chat console: the real app, a local Slack, no workspace needed (DESIGN §9).

Each line goes through the same code path as Slack's requests: it is signed with a secret made
up at start and handed to `App.dispatch`. A line starting with `/credits` is a slash command,
`click <action_id> [value]` clicks a button the bot showed, `home` opens App Home, and any other
line is a DM to the bot. What the bot says (command acks, messages, responses through the
response URL, App Home views, uploaded files, alerts as they fire) is printed as it reaches the
local Slack.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.app import build_services, create_app, handler_context
from bot.clock import Clock
from bot.config import Settings
from bot.console.demo import demo_calls_csv, demo_start
from bot.console.local_slack import LocalSlack, SlackCall, SlackUser
from bot.console.render import Button, Rendered, render_message
from bot.errors import CreditsError
from bot.i18n import N_, language, normalize_locale, t
from bot.money import Money
from bot.runtime.server import Background, BackgroundStart, prepare_database
from bot.services import Services
from storage.db import write_transaction

TEAM_ID = "T0CONSOLE"
USER_ID = "U0CONSOLE"
USER_EMAIL = "you@console.example"
DM_CHANNEL = "D0CONSOLE"
DEMO_DEPOSIT = Decimal(1000)
DEMO_DEPOSIT_KEY = "console:demo:first-deposit"
QUIET_METHODS = frozenset({"auth.test", "users.info", "conversations.open",
                           "files.getUploadURLExternal", "files.info"})
# A Slack locale as `users.info` gives it: language, then region (en-US, de-DE, ja-JP …).
LOCALE = re.compile(r"([a-z]{2,3})(?:[-_]([a-z]{2}))?", re.IGNORECASE)
# What can be typed, and what it does; the words typed are the same in every language, but for
# a DM (which the bot reads in English and German).
ANYTHING_ELSE = N_("anything else")
CONSOLE_HELP = (
    ("/credits …", N_("a slash command, e.g. {example}"),
     ("[cyan]/credits balance[/]", "[cyan]/credits help[/]")),
    (ANYTHING_ELSE, N_("a DM to the bot: {example}"),
     (N_("what's our balance?"), N_("am I licensed?"))),
    ("click ACTION VALUE", N_("click a button the bot showed (the hint under it says what to "
                              "type)"), ()),
    ("home", N_("open the bot's App Home tab"), ()),
    ("locale de-DE", N_("your Slack locale from now on ({example} switches back)"),
     ("[cyan]locale en-US[/]",)),
    ("exit, quit, Ctrl-D", N_("leave"), ()),
)


def console_help(locale: str | None) -> str:
    """The console's own help, in the console user's language."""
    rows = []
    for typed, says, examples in CONSOLE_HELP:
        example = ", ".join(
            f"[cyan]{escape(t(shown, locale))}[/]" if typed == ANYTHING_ELSE else shown
            for shown in examples)
        rows.append((t(typed, locale) if typed == ANYTHING_ELSE else typed,
                     t(says, locale, example=example)))
    width = max(len(typed) for typed, _ in rows) + 2
    return "\n".join(f"[bold]{escape(typed)}[/]{' ' * (width - len(typed))}{says}"
                     for typed, says in rows)


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that can wait for everything submitted so far (Bolt's lazy listeners)."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="console-lazy")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return
            time.sleep(0.01)


@dataclass
class Clicked:
    button: Button
    channel: str
    message: dict[str, Any]


@dataclass
class ConsoleSession:
    """One console: the app, the local Slack it talks to, and who is typing."""

    app: App
    slack: LocalSlack
    signing_secret: str
    out: Console
    files_dir: Path
    # Drops the app's cached users.info of a user (the directory's `forget`).
    forget_user: Callable[[str], None]
    team_id: str = TEAM_ID
    user_id: str = USER_ID
    buttons: dict[str, Clicked] = field(default_factory=dict)
    lazy: TrackingExecutor = field(default_factory=TrackingExecutor)
    _print_lock: threading.Lock = field(default_factory=threading.Lock)
    _upload_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Wait for lazy listeners (slow subcommands) before the next line, so output stays in
        # the order the lines were typed.
        self.app.listener_runner.lazy_listener_runner.executor = self.lazy  # type: ignore
        self.slack.on_call = self.show_call

    # -- input ------------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Act on one line; False when the user wants to leave."""
        line = line.strip()
        lowered = line.lower()
        if not line:
            return True
        if lowered in ("exit", "quit", ":q"):
            return False
        if lowered == "help":
            self.print(console_help(self.locale))
        elif lowered.startswith("/credits"):
            self.command(line[len("/credits"):].strip())
        elif line.startswith("/"):
            only = t("Only /credits is a command of this app", self.locale)
            self.print(f"[red]{only}[/] ({escape(line.split()[0])}).")
        elif lowered.startswith("click ") or lowered == "click":
            self.click(*line.split()[1:3])
        elif lowered == "home":
            self.open_home()
        elif lowered.startswith("locale ") or lowered == "locale":
            self.set_locale(*line.split()[1:2])
        else:
            self.direct_message(line)
        self.lazy.wait_idle()
        return True

    def command(self, text: str) -> None:
        body = urlencode({
            "token": "console", "team_id": self.team_id, "team_domain": "console",
            "channel_id": DM_CHANNEL, "channel_name": "directmessage", "user_id": self.user_id,
            "user_name": "you", "command": "/credits", "text": text, "api_app_id": "A0CONSOLE",
            "response_url": self.slack.response_url(), "trigger_id": uuid.uuid4().hex})
        response = self.dispatch(body, "application/x-www-form-urlencoded")
        if response.status != 200:
            failed = t("/credits failed: HTTP {status}", self.locale, status=response.status)
            self.print(f"[red]{failed}[/] {escape(response.body)}")
            return
        if response.body:
            message = json.loads(response.body)
            only_you = message.get("response_type", "ephemeral") == "ephemeral"
            self.show_message(
                "bot" + (" " + t("(only you can see this)", self.locale) if only_you else ""),
                message, channel=DM_CHANNEL)

    def direct_message(self, text: str) -> None:
        now = f"{time.time():.6f}"
        event = {"type": "message", "channel_type": "im", "channel": DM_CHANNEL,
                 "user": self.user_id, "text": text, "ts": now, "event_ts": now,
                 "team": self.team_id}
        self.send_event(event)

    def open_home(self) -> None:
        self.send_event({"type": "app_home_opened", "user": self.user_id, "channel": DM_CHANNEL,
                         "tab": "home", "event_ts": f"{time.time():.6f}"})

    def send_event(self, event: dict[str, Any]) -> None:
        body = json.dumps({
            "token": "console", "team_id": self.team_id, "api_app_id": "A0CONSOLE",
            "type": "event_callback", "event": event, "event_id": f"Ev{uuid.uuid4().hex[:12]}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": self.slack.bot_user_id,
                                "is_bot": True}]})
        response = self.dispatch(body, "application/json")
        if response.status != 200:
            self.print("[red]" + t("the bot failed to handle that: HTTP {status}", self.locale,
                                   status=response.status) + "[/]")

    def click(self, action_id: str | None = None, value: str | None = None) -> None:
        if not action_id:
            known = ", ".join(sorted(self.buttons)) or t("none yet", self.locale)
            self.print(escape(t("usage: click ACTION_ID [VALUE]  (buttons shown: {known})",
                                self.locale, known=known)))
            return
        clicked = self.buttons.get(action_id)
        if clicked is None:
            self.print("[red]" + t("No button {action} was shown.", self.locale,
                                   action=escape(action_id)) + "[/]")
            return
        button = clicked.button
        payload = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "console"},
            "user": {"id": self.user_id, "username": "you", "name": "you",
                     "team_id": self.team_id},
            "api_app_id": "A0CONSOLE", "token": "console", "trigger_id": uuid.uuid4().hex,
            "container": {"type": "message", "message_ts": clicked.message.get("ts", ""),
                          "channel_id": clicked.channel, "is_ephemeral": True},
            "channel": {"id": clicked.channel, "name": "directmessage"},
            "message": clicked.message, "response_url": self.slack.response_url(),
            "actions": [{"action_id": button.action_id, "block_id": button.block_id,
                         "value": value if value is not None else button.value,
                         "type": "button", "text": {"type": "plain_text", "text": button.text},
                         "action_ts": f"{time.time():.6f}"}]}
        you_clicked = t("you clicked", self.locale)
        self.print(f"[dim]{you_clicked}[/] [bold]{escape(button.text)}[/]")
        response = self.dispatch(urlencode({"payload": json.dumps(payload)}),
                                 "application/x-www-form-urlencoded")
        if response.status != 200:
            self.print("[red]" + t("the click failed: HTTP {status}", self.locale,
                                   status=response.status) + "[/]")

    def set_locale(self, wanted: str | None = None) -> None:
        """Change the console user's Slack locale, as if they changed it in Slack's settings."""
        user = self.slack.users[self.user_id]
        match = LOCALE.fullmatch(wanted or "")
        if match is None:
            self.print(escape(t("usage: locale LANGUAGE-REGION, e.g. locale de-DE or locale "
                                "en-US (now {current})", user.locale, current=user.locale)))
            return
        language, region = match.groups()
        user.locale = language.lower() + (f"-{region.upper()}" if region else "")
        # The bot caches users.info for minutes; the switch is meant to show at once.
        self.forget_user(self.user_id)
        now = t("your Slack locale is now", user.locale)
        self.print(f"[dim]{now}[/] {escape(user.locale)}")

    def dispatch(self, body: str, content_type: str) -> Any:
        """Sign `body` the way Slack does and hand it to the app."""
        timestamp = str(int(time.time()))
        signature = SignatureVerifier(self.signing_secret).generate_signature(
            timestamp=timestamp, body=body)
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type, "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature or ""}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    @property
    def locale(self) -> str | None:
        """The console user's Slack locale: the console speaks it too."""
        return self.slack.users[self.user_id].locale

    # -- output -----------------------------------------------------------------------------
    def print(self, markup: str) -> None:
        with self._print_lock:
            self.out.print(markup, highlight=False)

    @property
    def names(self) -> dict[str, str]:
        return {user_id: user.name for user_id, user in self.slack.users.items()}

    def show_message(self, title: str, message: dict[str, Any], *, channel: str) -> None:
        rendered: Rendered = render_message(message, self.names, self.locale)
        for button in rendered.buttons:
            self.buttons[button.action_id] = Clicked(button, channel, message)
        body = "\n".join("  " + part for line in rendered.lines for part in line.split("\n"))
        self.print(f"[bold green]{escape(title)}:[/]\n{body}")

    def show_call(self, call: SlackCall) -> None:
        """Print what the app sent to Slack, as the user would see it."""
        params, method = call.params, call.method
        if method in QUIET_METHODS:
            if method == "files.getUploadURLExternal":
                self._upload_names.append(str(params.get("filename") or "file"))
            return
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            where = "" if channel.startswith("D") else " " + t("in #{channel}", self.locale,
                                                                  channel=channel)
            thread = " " + t("(in a thread)", self.locale) if params.get("thread_ts") else ""
            self.show_message(f"bot{where}{thread}", params, channel=channel)
        elif method == "chat.postEphemeral":
            self.show_message("bot " + t("(only you can see this)", self.locale), params,
                              channel=str(params.get("channel", "")))
        elif method == "chat.update":
            self.show_message("bot " + t("(edited its message)", self.locale), params,
                              channel=str(params.get("channel", "")))
        elif method == "respond":
            replaced = str(params.get("replace_original", "")).lower() == "true"
            self.show_message(
                "bot" + (" " + t("(replaces its last message)", self.locale) if replaced else ""),
                params, channel=DM_CHANNEL)
        elif method == "views.publish":
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            self.show_message("App Home", {"blocks": view.get("blocks", [])}, channel=DM_CHANNEL)
        elif method == "upload":
            name = self._upload_names.pop(0) if self._upload_names else str(params["file_id"])
            self.save_file(str(params["file_id"]), name)
        elif method == "files.completeUploadExternal":
            comment = params.get("initial_comment")
            if comment:
                self.show_message("bot", {"text": comment}, channel=DM_CHANNEL)
        else:
            self.print(f"[dim]slack: {escape(method)}[/]")

    def save_file(self, file_id: str, name: str) -> None:
        content = self.slack.files.get(file_id, b"")
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(name).name
        path.write_bytes(content)
        self.print("[bold green]" + t("bot uploaded a file:", self.locale) + "[/] " + t(
            "{name} ({size} bytes), saved to {path}", self.locale, name=escape(path.name),
            size=format_decimal(len(content), locale=normalize_locale(self.locale)),
            path=escape(str(path))))


# -- start-up ------------------------------------------------------------------------------

def console_settings(base: Settings, slack: LocalSlack, secret: str) -> Settings:
    """The settings of the console: the base ones, pointed at the local Slack."""
    return base.model_copy(update={
        "slack_api_url": slack.api_url, "slack_bot_token": SecretStr("xoxb-console-local"),
        "slack_signing_secret": SecretStr(secret),
        "credits_admins": tuple(dict.fromkeys((*base.credits_admins, USER_ID)))})


def seed_demo_account(services: Services, clock: Clock, *, locale: str = "en-US") -> None:
    """The demo account on first start: a Visa 4242 card that has not expired and $1,000, its
    alerts in the console user's language when the bot speaks it (the only admin's)."""
    account = services.accounts.ensure(TEAM_ID, name="Console demo")
    if account.payment is None:
        if language(locale) != "en":
            with contextlib.suppress(CreditsError):  # a locale Babel does not know: English
                services.accounts.change_settings(TEAM_ID, language=locale)
        expires: datetime = clock.now()
        services.accounts.set_card(TEAM_ID, brand="visa", last4="4242", exp_month=expires.month,
                                   exp_year=expires.year + 3)
    with write_transaction(services.engine) as session:
        # Booked at the start of the demo month, not today (before the calls it pays for).
        services.ledger.deposit_in(session, account_id=account.id,
                                   amount=Money(DEMO_DEPOSIT, account.currency),
                                   key=DEMO_DEPOSIT_KEY, actor="console",
                                   now=demo_start(clock.now()),
                                   memo="demo deposit of the local console")
    services.licenses.assign(account_id=account.id, slack_user_id=USER_ID,
                             email=USER_EMAIL, actor="console")
    # A month of calls, rated against the deck, so usage, reports and the forecast show
    # something; calls already imported by an earlier start are skipped, never charged twice.
    services.usage_importer.run(demo_calls_csv(clock.now()), account_id=account.id,
                                actor="console", name="demo-calls.csv")


@dataclass
class ConsoleRun:
    session: ConsoleSession
    slack: LocalSlack
    services: Services
    background: Background | None = None

    def close(self) -> None:
        self.session.lazy.wait_idle()
        if self.background is not None:
            # Alerts the last lines fired are shown before the console ends (a piped session
            # is over before the relay's next turn).
            self.background.deliver_now()
            self.background.stop()
        self.session.lazy.shutdown(wait=True)
        self.slack.stop()


def start_console(base: Settings, *, engine: Engine, clock: Clock, gateway: Any, out: Console,
                  files_dir: Path, locale: str = "en-US",
                  background: BackgroundStart | None = None) -> ConsoleRun:
    """Start the local Slack and the real app on the database, with the demo account."""
    slack = LocalSlack(team_id=TEAM_ID).start()
    slack.add_user(SlackUser(USER_ID, "you", email=USER_EMAIL, locale=locale,
                             is_admin=True))
    secret = secrets.token_hex(32)
    settings = console_settings(base, slack, secret)
    prepare_database(settings, engine, clock)
    client = WebClient(token="xoxb-console-local", base_url=slack.api_url)
    services = build_services(settings, engine=engine, clock=clock, gateway=gateway)
    context = handler_context(settings, services, client=client)
    app = create_app(settings, services, client=client, context=context)
    seed_demo_account(services, clock, locale=locale)
    session = ConsoleSession(app=app, slack=slack, signing_secret=secret, out=out,
                             files_dir=files_dir, forget_user=context.directory.forget)
    started = background(services, client, settings) if background else None
    return ConsoleRun(session=session, slack=slack, services=services, background=started)


def banner(settings: Settings, locale: str | None = None) -> str:
    """The one line the console starts with, in the console user's language."""
    database = settings.database_url.removeprefix("sqlite:///")
    return "[bold]Credits Bot[/] " + t(
        "local console: sample prices, a demo account in {database}. Type {help} for what you "
        "can type.", locale, database=escape(database), help="[bold]help[/]")


def run_lines(session: ConsoleSession, lines: Iterable[str], *, echo: bool) -> None:
    """Handle lines until they end or one says exit; echo them when they were piped in."""
    for line in lines:
        if echo and line.strip():
            session.print(f"[bold blue]you>[/] {escape(line.rstrip())}")
        if not session.handle(line):
            return


def prompt_lines(out: Console) -> Iterable[str]:
    """Lines typed at an interactive prompt, until Ctrl-D or Ctrl-C."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - line editing and history for input()
    while True:
        try:
            yield out.input("[bold blue]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
