"""Where hocba keeps its state, and the secrets it generates on first run.

Nothing secret lives in the repository: the secret key is generated into ``var/`` the first
time it is needed, or read from ``HOCBA_SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def var_dir() -> Path:
    """``HOCBA_VAR`` or ``./var`` (the working directory's), created on first use."""
    path = Path(os.environ.get("HOCBA_VAR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    from_env = os.environ.get("HOCBA_SECRET_KEY")
    if from_env:
        return from_env
    key_file = var_dir() / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}
