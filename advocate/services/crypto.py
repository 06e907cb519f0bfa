"""Field encryption and blind indexes, keyed from configuration."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


def build_cipher(keys: list[str]) -> MultiFernet:
    """The first key encrypts; every key decrypts, which is what makes rotation possible."""
    return MultiFernet([Fernet(key.encode()) for key in keys])


def field_cipher() -> MultiFernet:
    cipher: MultiFernet = current_app.extensions["advocate.cipher"]
    return cipher


def blind_index(kind: str, normalised_value: str) -> str:
    """Keyed HMAC of a normalised value: equal values match without storing plaintext."""
    key = current_app.config["BLIND_INDEX_KEY"].encode()
    message = f"{kind}\x1f{normalised_value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
