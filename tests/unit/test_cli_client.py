"""The command line's HTTP client: where it connects and whether it checks certificates."""

import ssl

from hayhooks import cli


def test_the_server_certificate_is_checked_by_default(monkeypatch):
    monkeypatch.delenv("HAYHOOKS_DISABLE_SSL", raising=False)
    with cli._client("https://hayhooks.example") as client:
        assert client._transport._pool._ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_disable_ssl_accepts_a_self_signed_server(monkeypatch):
    monkeypatch.setenv("HAYHOOKS_DISABLE_SSL", "true")
    with cli._client("https://hayhooks.example") as client:
        assert client._transport._pool._ssl_context.verify_mode == ssl.CERT_NONE
