"""Secrets at rest: API keys, OAuth client secrets and tokens, encrypted with Fernet.

The key comes from ``GPTFORGE_SECRET_KEY`` (any passphrase; it is stretched with
SHA-256 into a Fernet key) or, when unset, from ``secret.key`` in the data directory,
generated on first use with 0600 permissions. Losing the key makes stored secrets
unreadable, never readable by someone else.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from gptforge.errors import ConfigError

KEY_FILE = "secret.key"


class SecretBox:
    """Encrypts and decrypts short secrets; values are authenticated (AES-CBC + HMAC)."""

    def __init__(self, material: str) -> None:
        if not material:
            raise ConfigError("The secret key is empty; set GPTFORGE_SECRET_KEY to a long value.")
        digest = hashlib.sha256(material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_settings(cls, secret_key: str | None, data_dir: Path) -> SecretBox:
        """The box for ``GPTFORGE_SECRET_KEY`` if given, else the data directory's key file."""
        if secret_key:
            return cls(secret_key)
        return cls(_key_file_material(data_dir / KEY_FILE))

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise ConfigError(
                "A stored secret cannot be decrypted: the secret key changed. Restore the "
                "previous GPTFORGE_SECRET_KEY (or secret.key file), or enter the secret again."
            ) from exc


def _key_file_material(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    material = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(material + "\n")
    return material
