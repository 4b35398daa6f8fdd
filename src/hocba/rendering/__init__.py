"""Rendering adapter: the printable học bạ (PDF/A-2b) from canonical records.

Django-free. Templates are Typst files under ``templates/`` that a non-programmer can edit
(see ``templates/README.md``); fonts are shipped under ``fonts/``.
"""

from hocba.rendering.errors import RenderError
from hocba.rendering.pdf import render_book, render_record

__all__ = ["RenderError", "render_book", "render_record"]
