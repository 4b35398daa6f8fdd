"""Public transparency-log API: the latest signed tree head, inclusion and consistency proofs."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Nhật ký minh bạch"], auth=None)
