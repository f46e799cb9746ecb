"""A usage file sent to the bot in a DM (DESIGN §3, §5): imported for admins, refused for members.

The event is acknowledged at once; the download and the import run in a Bolt lazy listener (a
thread), so Slack never waits on them. The file is fetched as Slack documents it: `files.info`
gives `url_private_download`, downloaded with the bot token (`Authorization: Bearer`), which is
sent only to Slack's hosts (or to the configured Web API's own host). Large files get a progress
message that is updated (`chat.update`) as batches commit; the answer is the import's summary.

This listener must be registered before the general `message` listener of `handlers.events`:
Bolt runs only the first listener that matches an event.
"""

from __future__ import annotations

import logging
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.accounts import AccountView
from bot.errors import CreditsError, InsufficientRights, Sentence
from bot.usage.importer import DEFAULT_BATCH_SIZE, ImportSummary
from bot.usage.reports import differences_csv
from handlers.asking import asker_of
from handlers.blocks.file_import import (
    differences_comment,
    differences_upload_failed,
    import_reply,
    progress_text,
)
from handlers.context import HandlerContext
from handlers.dedupe import mark_answered
from handlers.events import team_of
from handlers.i18n import N_, error_text, t
from handlers.uploads import Upload, UploadFailed, upload
from handlers.usage_text import number

log = logging.getLogger(__name__)

ACTION = "import.usage"
MAX_FILES = 5  # per message
MAX_BYTES = 1 << 30  # 1 GiB: far above a year of a large tenant's Teams export
PROGRESS_BYTES = 1 << 20  # files above 1 MiB get a progress message
PROGRESS_SECONDS = 2.0  # at most one progress update this often (Slack's chat.update limit)
BATCH_SIZE = DEFAULT_BATCH_SIZE
_CHUNK = 1 << 20


class DownloadFailed(CreditsError):
    """Slack would not hand over a shared file."""


def is_dm_file_share(event: dict[str, Any], body: dict[str, Any]) -> bool:
    """A person (not a bot, not this app) shared files in a DM with the bot."""
    user = event.get("user")
    return (event.get("channel_type") == "im" and event.get("subtype") == "file_share"
            and bool(event.get("files")) and bool(user) and not event.get("bot_id")
            and user not in bot_users(body))


def bot_users(body: dict[str, Any]) -> set[str]:
    """This app's bot user ids, from the event's authorizations (its own uploads are shares too)."""
    return {str(a.get("user_id")) for a in body.get("authorizations") or () if a.get("is_bot")}


class DmImports:
    """The listener: acknowledge, then import each file an admin shared (at most MAX_FILES)."""

    def __init__(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        self.running = ctx.services.running_imports

    def acknowledge(self, body: dict[str, Any]) -> None:
        """Nothing to decide before the ack: the lazy listener checks rights and imports.

        The event counts as answered here: from now on a crash is caught by the import's
        running row (bot.usage.running_imports), not by Slack's retry."""
        mark_answered(self.ctx, body)

    def run(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if not is_dm_file_share(event, body):
            return
        team_id, user, channel = team_of(body, event), str(event["user"]), str(event["channel"])
        asker = asker_of(context)
        locale = asker.locale
        files = list(event.get("files") or ())
        names = [file_name(f) for f in files]
        try:
            asker.require_admin(action=ACTION, arguments={"files": names})
        except InsufficientRights:
            self._post(channel, t("Thanks, but only credits admins can import usage files, so "
                                  "I have not read *{name}*. Ask an admin to send it to me.",
                                  locale, name=", ".join(names)))
            return
        for shared in files[:MAX_FILES]:
            self.import_one(shared, team_id=team_id, user=user, channel=channel, locale=locale,
                            account=asker.account)
        if len(files) > MAX_FILES:
            self._post(channel, t("I import at most {count} files from one message; send the "
                                  "others again.", locale, count=MAX_FILES))

    def import_one(self, shared: dict[str, Any], *, team_id: str, user: str, channel: str,
                   locale: str | None, account: AccountView) -> ImportSummary | None:
        """Download one shared file and import it; answer with its summary or why not.

        A running row stands until the answer is posted: if the process dies before, the
        sweep tells the admin to send the file again."""
        name = file_name(shared)
        with self.running.watch(account_id=account.id, user_id=user, channel=channel, name=name,
                                notice=t(":warning: The import of *{name}* stopped: the bot "
                                         "was restarted while it ran. Send the file again: "
                                         "calls already charged are not charged twice.",
                                         locale, name=name)):
            return self._import_and_answer(shared, name=name, team_id=team_id, user=user,
                                           channel=channel, locale=locale, account=account)

    def _import_and_answer(self, shared: dict[str, Any], *, name: str, team_id: str, user: str,
                           channel: str, locale: str | None,
                           account: AccountView) -> ImportSummary | None:
        try:
            with tempfile.TemporaryDirectory(prefix="credits-import-") as folder:
                path = Path(folder) / "upload"
                size = download_file(self.ctx.client, str(shared["id"]), path)
                progress = Progress(self.ctx.client, channel=channel, name=name, locale=locale,
                                    visible=size > PROGRESS_BYTES)
                progress.start()
                summary = self.ctx.services.usage_importer.run(
                    path, account_id=account.id, progress=progress.update, actor=user,
                    name=name, batch_size=BATCH_SIZE)
                progress.finish(summary.rows)
        # The audit record comes first: it must exist even when posting the answer fails.
        except CreditsError as exc:
            self._audit(team_id, user, name, result="error", detail=str(exc))
            self._post(channel, t(":warning: I could not import *{name}*: {reason}",
                                  locale, name=name, reason=error_text(exc, locale)))
            return None
        except Exception:
            log.exception("importing %s for %s failed", name, user)
            self._audit(team_id, user, name, result="error", detail="unexpected error")
            self._post(channel, t(":warning: Importing *{name}* failed on our side; it has "
                                  "been logged. Batches that finished are charged; send the "
                                  "file again and only the rest is charged.", locale, name=name))
            return None
        self._audit(team_id, user, name, result="ok", summary=summary)
        reply = import_reply(summary, locale=locale)
        self.ctx.client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)
        if summary.differences:
            self._send_differences(summary, user=user, channel=channel, locale=locale)
        return summary

    def _send_differences(self, summary: ImportSummary, *, user: str, channel: str,
                          locale: str | None) -> None:
        """The reconciliation: the charges that differ from the rate deck, as a CSV in the DM."""
        stem = Path(summary.name).stem or "usage"
        csv_file = Upload(f"{stem}-differences.csv", differences_csv(summary.differences),
                          f"{stem}-differences.csv")
        try:
            upload(self.ctx.client, files=[csv_file], channel=channel, user_id=user,
                   comment=differences_comment(summary, locale=locale))
        except UploadFailed as exc:
            self._post(channel, differences_upload_failed(error_text(exc, locale),
                                                          locale=locale))

    def _post(self, channel: str, text: str) -> None:
        self.ctx.client.chat_postMessage(channel=channel, text=text)

    def _audit(self, team_id: str, user: str, name: str, *, result: str,
               summary: ImportSummary | None = None, detail: str | None = None) -> None:
        arguments: dict[str, Any] = {"file": name}
        if summary is not None:
            arguments.update(format=summary.format, rows=summary.rows,
                             new_calls=summary.new_calls, duplicates=summary.duplicates,
                             rejected=summary.rejected_count,
                             differences=summary.difference_count,
                             charged=f"{summary.charged.amount.normalize():f}")
        self.ctx.services.audit.record(team_id=team_id, actor=user, action=ACTION, result=result,
                                       arguments=arguments, detail=detail)


def file_name(shared: dict[str, Any]) -> str:
    name = str(shared.get("name") or shared.get("title") or shared.get("id") or "file")
    return name.replace("*", "").replace("`", "'")[:120]


class Progress:
    """A progress message for a large import, updated as batches commit (throttled)."""

    def __init__(self, client: WebClient, *, channel: str, name: str, locale: str | None,
                 visible: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.channel = channel
        self.name = name
        self.locale = locale
        self.visible = visible
        self.clock = clock
        self.ts: str | None = None
        self._last = 0.0

    def start(self) -> None:
        if self.visible:
            posted = self.client.chat_postMessage(
                channel=self.channel, text=t(":hourglass_flowing_sand: Importing *{name}*…",
                                             self.locale, name=self.name))
            self.ts = posted["ts"]
            self._last = self.clock()

    def update(self, done: int, total: int | None) -> None:
        if self.ts is None or self.clock() - self._last < PROGRESS_SECONDS:
            return
        self._last = self.clock()
        self._edit(progress_text(self.name, done, total, locale=self.locale))

    def finish(self, rows: int) -> None:
        if self.ts is not None:
            self._edit(t(":white_check_mark: Imported *{name}* ({rows} rows).",
                         self.locale, name=self.name,
                         rows=number(rows, self.locale)))

    def _edit(self, text: str) -> None:
        if self.ts is None:
            return
        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text)
        except SlackApiError as exc:  # progress is a nicety: the import goes on
            log.warning("could not update the import progress: %s", exc.response.get("error"))


# -- download ---------------------------------------------------------------------------------

def download_file(client: WebClient, file_id: str, dest: Path, *,
                  max_bytes: int | None = None) -> int:
    """Fetch a shared file's bytes to `dest` with the bot token; the number of bytes."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        raise _download_failed(str(exc.response.get("error"))) from None
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise _download_failed(Sentence.of(N_("no download URL")))
    if int(info.get("size") or 0) > limit:
        raise _too_large(limit)
    if not trusted(str(url), client.base_url):
        raise _download_failed(Sentence.of(N_("not a Slack URL: {host}"),
                                            host=urlparse(str(url)).netloc))
    request = urllib.request.Request(str(url), headers={"Authorization": f"Bearer {client.token}"})
    opener = urllib.request.build_opener(_SlackOnlyRedirects(client.base_url))
    try:
        with opener.open(request, timeout=60) as response:
            if "text/html" in (response.headers.get("Content-Type") or ""):
                # Slack answers a download it refuses with its sign-in page.
                raise _download_failed(Sentence.of(N_(
                    "Slack sent a web page, not the file: does the app have the files:read "
                    "scope?")))
            return _copy(response, dest, limit)
    except urllib.error.HTTPError as exc:
        raise _download_failed(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise _download_failed(str(exc.reason)) from None


def trusted(url: str, base_url: str) -> bool:
    """True for Slack's own hosts (https) and for the configured Web API's origin."""
    target, base = urlparse(url), urlparse(base_url)
    if (target.scheme, target.netloc) == (base.scheme, base.netloc):
        return True
    host = target.hostname or ""
    return target.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


class _SlackOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to hosts that may see the bot token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if not trusted(newurl, self.base_url):
            raise _download_failed(Sentence.of(N_("redirected away from Slack")))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _copy(response: IO[bytes], dest: Path, limit: int) -> int:
    size = 0
    with dest.open("wb") as out:
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            out.write(chunk)
    return size


def _download_failed(reason: str | Sentence) -> DownloadFailed:
    return DownloadFailed(N_("Slack did not let me download the file ({reason})."), reason=reason)


def _too_large(limit: int) -> DownloadFailed:
    return DownloadFailed(N_("the file is larger than {limit} MB."), limit=limit >> 20)


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the DM file-share listener (before `handlers.events`)."""
    imports = DmImports(ctx)
    app.event({"type": "message", "subtype": "file_share"})(
        ack=imports.acknowledge, lazy=[imports.run])
