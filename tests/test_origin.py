"""Which pages may open a room socket: the rule of Django's CSRF origin check."""

import pytest

from site_config.origin import SameOriginValidator


def allows(origin, host, scheme="ws"):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return SameOriginValidator(None).allows({"headers": headers, "scheme": scheme})


@pytest.mark.parametrize(
    "origin, host, scheme, opens",
    [
        ("https://chat.example.com", "chat.example.com", "wss", True),
        ("http://chat.example.com", "chat.example.com", "wss", False),
        ("https://chat.example.com", "chat.example.com", "ws", False),
        ("https://chat.example.com:8443", "chat.example.com", "wss", False),
        ("https://chat.example.com", "chat.example.com:8443", "wss", False),
        ("https://chat.example.com:8443", "chat.example.com:8443", "wss", True),
        ("https://evil.example", "chat.example.com", "wss", False),
        (None, "chat.example.com", "wss", False),
        ("null", "chat.example.com", "wss", False),
        # A Host the site does not serve, even from its own page.
        ("https://other.example", "other.example", "wss", False),
    ],
)
def test_the_page_must_be_this_site_over_this_scheme_and_port(
    settings, origin, host, scheme, opens
):
    settings.ALLOWED_HOSTS = ["chat.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert allows(origin, host, scheme) == opens


@pytest.mark.parametrize(
    "origin, opens",
    [
        ("https://app.example.com", True),
        ("http://app.example.com", False),
        ("https://eu.example.org", True),
        ("https://example.org.evil.example", False),
        ("http://eu.example.org", False),
        ("https://[::1", False),
    ],
)
def test_csrf_trusted_origins_may_open_one(settings, origin, opens):
    settings.ALLOWED_HOSTS = ["chat.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.example.org"]
    assert allows(origin, "chat.example.com", "wss") == opens
