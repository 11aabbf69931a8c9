"""The Redis URL as logs show it: every secret it may carry masked."""

import pytest

from hayhooks.dashboard.redis_store import redact_url


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://localhost:6379/0", "redis://localhost:6379/0"),
    ("redis://hayhooks:s3cret@redis.internal:6380/0", "redis://hayhooks:***@redis.internal:6380/0"),
    ("redis://:s3cret@redis.internal/0", "redis://:***@redis.internal/0"),
    ("redis://redis.internal/0?password=s3cret", "redis://redis.internal/0?password=***"),
    ("rediss://h/0?ssl_ca_certs=/etc/ca.crt&ssl_password=s3cret", "rediss://h/0?ssl_ca_certs=/etc/ca.crt&ssl_password=***"),
])
def test_the_logged_url_masks_passwords_wherever_they_are_given(url, shown):
    assert redact_url(url) == shown
