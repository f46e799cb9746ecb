"""Tokens from msal against the stand-in's Entra endpoints: a secret or a certificate, cached."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bot.app import build_services
from bot.graph.http import MsalHttp, make_http_client
from bot.graph.token import TokenError, TokenSource
from tests.bot.graph.conftest import graph_settings
from tests.conftest import make_settings


def token_source(standin, **overrides):
    settings = make_settings(**graph_settings(standin, **overrides))
    return TokenSource(settings, MsalHttp(make_http_client(settings)))


def test_a_secret_gets_a_token_that_is_cached_until_it_expires(standin):
    tokens = token_source(standin)
    first = tokens.token()
    assert tokens.token() == first
    assert len(standin.requests_to("/oauth2/v2.0/token")) == 1
    assert standin.requests_to("/v2.0/.well-known/openid-configuration")
    tokens.refresh()
    assert tokens.token() != first


def test_a_certificate_signs_a_client_assertion(standin, tmp_path: Path):
    cert = x509.load_pem_x509_certificate(standin.cert_file.read_bytes())
    key_and_cert = tmp_path / "app.pem"
    key_and_cert.write_bytes(standin.key_file.read_bytes() + standin.cert_file.read_bytes())
    # Entra names a certificate by the SHA-1 of its DER bytes.
    thumbprint = hashlib.sha1(cert.public_bytes(Encoding.DER)).hexdigest()
    tokens = token_source(standin, ms_client_secret=None,
                          ms_client_certificate_path=key_and_cert,
                          ms_client_certificate_thumbprint=thumbprint)
    assert tokens.token()


def test_a_wrong_secret_is_a_sentence_not_a_traceback(standin):
    with pytest.raises(TokenError, match="Invalid client secret"):
        token_source(standin, ms_client_secret="wrong").token()


def test_without_the_settings_there_is_no_connection(sqlite_engine, clock):
    services = build_services(make_settings(), engine=sqlite_engine, clock=clock)
    assert not services.graph.connected
    half = make_settings(ms_tenant_id="t", ms_client_id="c")  # no secret, no certificate
    assert not half.graph_enabled
