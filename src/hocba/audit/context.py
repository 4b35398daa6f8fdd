"""Who is acting and from where, for the duration of one request or command.

The middleware (web) and the ``hocba`` command (cli) set it; ``audit.services.record`` reads
it, so services can log without every caller threading the request through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str = ""
    channel: str = "web"
    actor: Any = None  # the acting user (lazy on the web), for writes logged by signal


_SYSTEM = Origin(channel="system")
_origin: ContextVar[Origin] = ContextVar("hocba_audit_origin", default=_SYSTEM)


def current_origin() -> Origin:
    return _origin.get()


@contextmanager
def acting_from(origin: Origin) -> Iterator[None]:
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)
