"""Public verification API: status by look-up code, verify an uploaded file. No log-in."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Xác thực học bạ"], auth=None)
