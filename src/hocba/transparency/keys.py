"""The province's log key: an Ed25519 key that signs the tree heads.

Production: ``HOCBA_LOG_KEY`` names a PKCS#8 PEM file (unencrypted, mode 600, kept by the Sở);
it must exist. Demo: without ``HOCBA_LOG_KEY`` the key is ``$HOCBA_VAR/pki/log-key.pem``,
beside the demo PKI, generated on first use. The key is read once per process and path.
The log's name (the checkpoint origin) is ``HOCBA_LOG_ORIGIN``, by default
``hocba.demo/nhat-ky``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LOG_KEY_ENV = "HOCBA_LOG_KEY"
LOG_ORIGIN_ENV = "HOCBA_LOG_ORIGIN"
DEFAULT_ORIGIN = "hocba.demo/nhat-ky"


class LogKeyError(RuntimeError):
    """The configured log key is missing or is not an Ed25519 private key."""


def log_origin() -> str:
    return os.environ.get(LOG_ORIGIN_ENV, DEFAULT_ORIGIN)


def log_key_path() -> Path:
    configured = os.environ.get(LOG_KEY_ENV)
    if configured:
        return Path(configured)
    from hocba.certificates.keys import pki_dir

    return pki_dir() / "log-key.pem"


def log_private_key() -> Ed25519PrivateKey:
    return _load(str(log_key_path().resolve()), bool(os.environ.get(LOG_KEY_ENV)))


def log_public_key() -> Ed25519PublicKey:
    return log_private_key().public_key()


def log_public_key_pem() -> str:
    return log_public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@functools.cache
def _load(path: str, configured: bool) -> Ed25519PrivateKey:
    file = Path(path)
    if not file.exists():
        if configured:
            raise LogKeyError(f"Không tìm thấy khoá nhật ký tại «{path}» ({LOG_KEY_ENV}).")
        _generate(file)
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LogKeyError(f"Khoá nhật ký «{path}» không phải khoá Ed25519.")
    return key


def _generate(file: Path) -> None:
    """Write a new demo key without a window where another process reads half a file: the
    key goes to a temporary name, then is hard-linked to its name (which fails if a
    concurrent process got there first — its key wins)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    temporary = file.with_name(f".{file.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    try:
        os.link(temporary, file)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
