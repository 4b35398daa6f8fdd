"""Run every benchmark under bench/ and print their JSON result lines.

    .venv/bin/python bench/run.py            # all benchmarks
    .venv/bin/python bench/run.py import     # those whose file name contains "import"

Each benchmark is its own script (``bench_*.py``, and those named in ``REGISTERED``)
printing one JSON line per measurement, so it can also be run alone. Record the figures, the
machine and the date in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Benchmarks whose file name does not start with "bench_".
REGISTERED = ("gradebook_import.py",)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    found = [*HERE.glob("bench_*.py"), *(HERE / name for name in REGISTERED)]
    scripts = sorted(p for p in found if pattern in p.stem)
    print(json.dumps({"machine": machine(), "date": date.today().isoformat()},
                     ensure_ascii=False))
    status = 0
    for script in scripts:
        with tempfile.TemporaryDirectory(prefix="hocba-bench-") as var:
            env = {**os.environ, "HOCBA_VAR": var}
            env.pop("DATABASE_URL", None)
            result = subprocess.run([sys.executable, str(script)], env=env, text=True,
                                    capture_output=True, check=False)
        sys.stdout.write(result.stdout)
        if result.returncode != 0:
            status = 1
            sys.stderr.write(f"{script.name} failed:\n{result.stderr}\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
