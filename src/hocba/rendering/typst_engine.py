"""Compile a template with the shipped fonts and read back where its signature boxes are.

One ``typst.Compiler`` per template is kept for the life of the process: it has loaded the
fonts and parsed the templates once, and Typst's memoisation makes the query that follows a
compile nearly free (it re-uses the layout just made). A lock per compiler keeps a compile
and its query together when several threads render at once.

Fonts come only from ``fonts/`` (``ignore_system_fonts``), so a PDF is the same on every
machine and nothing is fetched at run time. Output is PDF/A-2b.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import typst

from hocba.rendering.errors import RenderError

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
FONTS_DIR = HERE / "fonts"
PDF_STANDARD: Final = "a-2b"
# The label of the one metadata element listing every signature box with its position
# (hocba-chung.typ, ``vi-tri-cac-o-ky``).
SIGNATURE_BOXES_LABEL = "<vi-tri-o-ky>"


@dataclass
class _Engine:
    compiler: typst.Compiler
    lock: threading.Lock = field(default_factory=threading.Lock)


@functools.cache
def _engine(template: str) -> _Engine:
    path = TEMPLATES_DIR / template
    if not path.is_file():
        raise RenderError(f"Không tìm thấy mẫu học bạ {path}.")
    return _Engine(typst.Compiler(str(path), root=str(TEMPLATES_DIR),
                                  font_paths=[str(FONTS_DIR)], ignore_system_fonts=True))


def compile_pdf(template: str, data: str, *, timestamp: int) -> tuple[bytes, list[dict[str, Any]]]:
    """The PDF/A-2b bytes and the metadata of every signature box, in document order."""
    engine = _engine(template)
    try:
        with engine.lock:
            pdf = engine.compiler.compile(sys_inputs={"data": data},
                                          pdf_standards=[PDF_STANDARD], timestamp=timestamp)
            found = engine.compiler.query(SIGNATURE_BOXES_LABEL, field="value", one=True)
    except typst.TypstError as exc:
        raise RenderError(f"Mẫu {template} không dựng được trang: {exc}") from exc
    if not isinstance(pdf, bytes) or not isinstance(found, str):
        raise RenderError(f"Mẫu {template}: Typst không trả về PDF.")
    return pdf, list(json.loads(found))
