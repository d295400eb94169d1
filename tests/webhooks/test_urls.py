"""webhook_url is held to image_url's address policy, with messages naming webhook_url."""

from __future__ import annotations

import pytest

from i23d.webhooks.urls import MAX_CHARS, WebhookUrlError, check_webhook_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.216.34/hook", "scheme 'ftp'"),
        ("data:text/plain;base64,aGk=", "scheme 'data'"),
        ("hook.example.com/path", "scheme"),
        ("http://user:pw@93.184.216.34/hook", "credentials"),
        ("https://93.184.216.34/" + "a" * MAX_CHARS, "longer than 2048"),
        ("http://127.0.0.1:8000/hook", "not a public address"),
        ("http://2130706433/hook", "not a public address"),  # 127.0.0.1 spelled as one number
        ("http://0x7f.1/hook", "not a public address"),
        ("http://[::ffff:127.0.0.1]/hook", "not a public address"),
        ("http://169.254.169.254/latest/meta-data", "not a public address"),
        ("http://10.1.2.3/hook", "not a public address"),
        ("http://localhost:9000/hook", "the local machine"),
    ],
)
def test_refused_urls_name_the_field_and_the_rule(url: str, reason: str) -> None:
    with pytest.raises(WebhookUrlError) as caught:
        check_webhook_url(url, allow_private=False, timeout=2.0)
    message = caught.value.message
    assert caught.value.status == 400
    assert message.startswith("webhook_url ") and reason in message, message
    assert "image_url" not in message and "allowed: a public http" in message


def test_public_and_permitted_private_urls_pass() -> None:
    assert (
        check_webhook_url(" https://93.184.216.34/hook?x=1 ", allow_private=False, timeout=2.0)
        == "https://93.184.216.34/hook?x=1"
    )
    loopback = "http://127.0.0.1:8000/hook"
    assert check_webhook_url(loopback, allow_private=True, timeout=2.0) == loopback
