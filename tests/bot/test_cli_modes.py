"""`serve` and `socket` refuse to start without the secrets their mode needs, and say which."""

import pytest
from typer.testing import CliRunner

from bot import cli_context
from bot.cli import app

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
