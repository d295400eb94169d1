"""``i23d keys webhook``: a key's default webhook URL and its signing secret from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from i23d.cli import main
from i23d.sessions.keys import create_key
from i23d.webhooks.key_settings import KeyWebhook, key_webhook
from tests.conftest import migrated_database


def test_webhook_url_and_secret_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    db = migrated_database(f"sqlite:///{data / 'i23d.sqlite3'}")
    key = create_key(db, "standard")
    flags = ["--data-dir", str(data)]

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["keys", "webhook", *args, *flags])
        out, err = capsys.readouterr()
        return code, out.strip(), err

    code, secret, _ = run(key[:10], "--url", "http://127.0.0.1:9/hook", "--allow-private-urls")
    assert code == 0 and secret.startswith("whsec_")  # the first URL brings a secret
    assert key_webhook(db, 1) == KeyWebhook("http://127.0.0.1:9/hook", secret_set=True)
    code, rotated, _ = run(key, "--new-secret")  # the whole key works too
    assert code == 0 and rotated.startswith("whsec_") and rotated != secret
    code, out, err = run(key[:10], "--url", "http://10.0.0.7/hook")
    assert (code, out) == (1, "") and "--url: webhook_url address 10.0.0.7 is not a public" in err
    code, out, _ = run(key[:10], "--no-url")
    assert (code, out) == (0, "") and key_webhook(db, 1).webhook_url == ""
    code, _, err = run("i23d_zzzzz", "--no-url")
    assert code == 1 and "no single key matches" in err
    db.dispose()
