"""Reads of the holder's shared verification codes."""

from __future__ import annotations


def shared_code_matches(record_id: int, code: str) -> bool:
    """True when ``code`` is a live verification code the holder of record ``record_id``
    chose to share (not expired, not withdrawn); compared in constant time."""
    return False
