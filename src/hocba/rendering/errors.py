"""The one error the rendering adapter raises: a Vietnamese message naming the field."""

from __future__ import annotations


class RenderError(ValueError):
    """A record (or list of records) the printable học bạ cannot be made from."""
