"""Preview a template after editing it: render records to a PDF and, optionally, page PNGs.

    .venv/bin/python -m hocba.rendering.preview docs/examples/record-primary.json -o /tmp/hb.pdf
    .venv/bin/python -m hocba.rendering.preview docs/examples/record-secondary.json \\
        --full -o /tmp/hb.pdf --png docs/record-pages --prefix trung-hoc

Several input files make a whole book. ``--full`` fills each year with every subject of its
grade (``specimen.full_year``), the realistic page to judge a layout on. PNGs need poppler's
``pdftoppm`` (Debian package poppler-utils).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from hocba.rendering.pdf import render_book, render_record
from hocba.rendering.specimen import full_year

VERIFY_URL = "https://hocba.example.vn/tra-cuu"


def page_images(pdf: bytes, folder: Path, prefix: str, *, dpi: int = 60) -> list[Path]:
    """Write ``{prefix}-p1.png`` … one per page of ``pdf`` into ``folder`` and return them.

    Images of earlier runs with the same prefix are removed first, so a page that
    disappears from the template disappears from the folder too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{prefix}-p*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="hocba-preview-") as tmp:
        source = Path(tmp) / "hocba.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), f"{tmp}/page"],
                       check=True, capture_output=True)
        made = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        out = []
        for number, image in enumerate(made, start=1):
            target = folder / f"{prefix}-p{number}.png"
            target.write_bytes(image.read_bytes())
            out.append(target)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m hocba.rendering.preview",
                                     description="Xem thử mẫu học bạ (PDF và ảnh PNG).")
    parser.add_argument("records", nargs="+", type=Path, help="bản ghi học bạ (.json)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="tệp PDF ghi ra")
    parser.add_argument("--full", action="store_true", help="đủ các môn của khối lớp")
    parser.add_argument("--png", type=Path, help="thư mục ghi ảnh PNG từng trang")
    parser.add_argument("--prefix", default="hocba", help="tiền tố tên ảnh PNG")
    args = parser.parse_args(argv)

    records = [json.loads(path.read_text(encoding="utf-8")) for path in args.records]
    if args.full:
        records = [full_year(record) for record in records]
    if len(records) == 1:
        pdf = render_record(records[0], verify_url=VERIFY_URL)
    else:
        pdf = render_book(records, verify_url=VERIFY_URL)
    args.output.write_bytes(pdf)
    print(args.output)
    if args.png:
        for image in page_images(pdf, args.png, args.prefix):
            print(image)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
