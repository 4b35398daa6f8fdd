#!/usr/bin/env bash
# Install hocba and its locked Python dependencies into .venv (idempotent, fast when done).
# Uses the machine's Python 3.11 and uv from PyPI; nothing is downloaded from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  echo "• Cài uv (trình quản lý gói Python)…"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
"$PYTHON" -m uv sync --frozen --quiet --python "$PYTHON" "$@"
