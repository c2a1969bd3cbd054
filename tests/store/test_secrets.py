"""Secrets at rest: Fernet with a key from the environment or a 0600 key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gptforge.errors import ConfigError
from gptforge.store import SecretBox
from gptforge.store.secrets import KEY_FILE


def test_key_file_is_generated_once_with_0600(tmp_path: Path) -> None:
    box = SecretBox.from_settings(None, tmp_path / "data")
    key_file = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = box.encrypt("sk-live-123")
    assert "sk-live-123" not in token
    again = SecretBox.from_settings(None, tmp_path / "data")
    assert again.decrypt(token) == "sk-live-123"


def test_environment_key_wins_and_a_changed_key_says_what_to_do(tmp_path: Path) -> None:
    box = SecretBox.from_settings("passphrase one", tmp_path)
    assert not (tmp_path / KEY_FILE).exists()
    token = box.encrypt("value")
    assert SecretBox.from_settings("passphrase one", tmp_path).decrypt(token) == "value"
    with pytest.raises(ConfigError, match="GPTFORGE_SECRET_KEY"):
        SecretBox.from_settings("passphrase two", tmp_path).decrypt(token)


def test_tokens_differ_each_time(tmp_path: Path) -> None:
    box = SecretBox("k")
    assert box.encrypt("same") != box.encrypt("same")
