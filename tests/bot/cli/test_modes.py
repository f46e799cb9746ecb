"""`serve` and `socket` refuse to start without the secrets their mode needs, and say which."""

import pytest
from typer.testing import CliRunner

from bot.cli import context as cli_context
from bot.cli.main import app

runner = CliRunner()
SECRETS = ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")


@pytest.fixture
def env(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    cli_context.reset()
    yield monkeypatch
    cli_context.reset()


def invoke(*args):
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_serve_needs_the_signing_secret(env):
    code, output = invoke("serve", "--no-scheduler")
    assert code == 2 and "SLACK_SIGNING_SECRET is not set" in output


def test_serve_needs_the_bot_token(env):
    env.setenv("SLACK_SIGNING_SECRET", "s")
    code, output = invoke("serve", "--no-scheduler")
    assert code == 2 and "SLACK_BOT_TOKEN is not set" in output


def test_socket_needs_the_app_token(env):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    code, output = invoke("socket")
    assert code == 2 and "SLACK_APP_TOKEN is not set" in output and "xapp-" in output


def test_socket_needs_the_bot_token(env):
    env.setenv("SLACK_APP_TOKEN", "xapp-1")
    code, output = invoke("socket")
    assert code == 2 and "SLACK_BOT_TOKEN is not set" in output


@pytest.mark.parametrize("mode", [["serve", "--no-scheduler"], ["socket"]])
def test_oauth_settings_stop_the_server_with_one_sentence(env, mode):
    for name, value in (("SLACK_SIGNING_SECRET", "s"), ("SLACK_BOT_TOKEN", "xoxb-1"),
                        ("SLACK_APP_TOKEN", "xapp-1"), ("SLACK_CLIENT_ID", "1.2"),
                        ("SLACK_CLIENT_SECRET", "secret")):
        env.setenv(name, value)
    result = runner.invoke(app, mode)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, but installs for many "
        "workspaces (/slack/install) are not built yet: unset them and run one deployment "
        "per workspace with its SLACK_BOT_TOKEN."]
    assert "secret" not in result.output


@pytest.mark.parametrize("command", [["account", "show"], ["account", "list"],
                                     ["ledger", "check"], ["rates", "show", "US"],
                                     ["audit"], ["db", "upgrade"]])
def test_an_unreachable_database_is_one_sentence_from_every_command(command, tmp_path):
    """The real `credits-bot` process (its entry point), on a PostgreSQL port nobody listens
    on: one line naming the database without its password, exit code 3, no traceback."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as probe:  # a free port: bound, then closed, so nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root),
           "DATABASE_URL": f"postgresql+psycopg://ops:hunter2@127.0.0.1:{port}/credits"}
    done = subprocess.run([sys.executable, "-m", "bot", *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 3, lines
    assert len(lines) == 1 and lines[0].startswith(
        f"error: cannot reach the database at postgresql+psycopg://ops:***@127.0.0.1:{port}/"
        "credits (connection failed"), lines
    assert "hunter2" not in lines[0] and "check DATABASE_URL" in lines[0]
