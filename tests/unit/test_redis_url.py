"""The Redis URL and keys: secrets masked in logs, and a Redis Cluster's keys kept in one slot."""

import pytest
from pydantic import ValidationError
from redis.exceptions import AskError, MovedError

from hayhooks.redis_clients import hash_tagged, hint
from hayhooks.settings import AppSettings
from hayhooks.urls import redact_url


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://localhost:6379/0", "redis://localhost:6379/0"),
    ("redis://hayhooks:s3cret@redis.internal:6380/0", "redis://hayhooks:***@redis.internal:6380/0"),
    ("redis://:s3cret@redis.internal/0", "redis://:***@redis.internal/0"),
    ("redis://redis.internal/0?password=s3cret", "redis://redis.internal/0?password=***"),
    ("rediss://h/0?ssl_ca_certs=/etc/ca.crt&ssl_password=s3cret", "rediss://h/0?ssl_ca_certs=/etc/ca.crt&ssl_password=***"),
    ("user:s3cret@collector:4317", "user:***@collector:4317"),  # the gRPC exporter's endpoint, without a scheme
    ("collector:4317", "collector:4317"),
])
def test_the_logged_url_masks_passwords_wherever_they_are_given(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize(("prefix", "tagged"), [
    ("hayhooks:", "{hayhooks}:"),
    ("prod:traces:", "{prod:traces}:"),
    ("{prod}:", "{prod}:"),
    ("app:{prod}:", "app:{prod}:"),
    ("{}:", "{{}}:"),  # Redis ignores an empty tag and would hash the whole key
    ("", "{hayhooks}:"),
])
def test_a_cluster_prefix_carries_a_hash_tag_so_every_key_shares_one_slot(prefix, tagged):
    from redis.crc import key_slot

    assert hash_tagged(prefix) == tagged
    slots = {key_slot(f"{tagged}{key}".encode()) for key in ("traces", "generation", "workers", "deploys")}
    assert len(slots) == 1


def test_with_redis_cluster_the_default_prefix_gets_a_hash_tag_and_a_given_tag_is_kept():
    assert AppSettings(redis_cluster=True).redis_key_prefix == "{hayhooks}:"
    assert AppSettings(redis_cluster=True, redis_key_prefix="{prod}:").redis_key_prefix == "{prod}:"
    assert AppSettings().redis_key_prefix == "hayhooks:"


def test_redis_cluster_over_a_unix_socket_is_refused_saying_why():
    with pytest.raises(ValidationError, match="reached over TCP"):
        AppSettings(redis_url="unix:///run/redis.sock", redis_cluster=True)


@pytest.mark.parametrize("error", [MovedError("3999 127.0.0.1:7001"), AskError("3999 127.0.0.1:7001")])
def test_a_cluster_redirect_to_a_plain_client_is_logged_with_the_setting_to_change(error):
    assert "HAYHOOKS_REDIS_CLUSTER=true" in hint(error)


def test_other_redis_errors_get_no_hint():
    assert hint(ConnectionError("refused")) == ""
