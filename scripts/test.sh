#!/usr/bin/env bash
# Install everything the tests need (Debian and Python packages), then run the whole suite
# on SQLite and on PostgreSQL. .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null || need_apt+=(postgresql)
fc-list 2>/dev/null | grep -qi "Liberation Serif" || need_apt+=(fonts-liberation2)
# The record's PDF is checked with independent tools: poppler (pdftotext, pdfinfo, pdffonts,
# pdftoppm) and zbar (zbarimg reads the QR code back).
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v zbarimg >/dev/null || need_apt+=(zbar-tools)
# certutil: an NSS database in which pdfsig trusts the demo root CA.
command -v certutil >/dev/null || need_apt+=(libnss3-tools)
# xmlsec1: the independent check of every XML signature (xmlsec1 --verify).
command -v xmlsec1 >/dev/null || need_apt+=(xmlsec1)
# SoftHSM2: the PKCS#11 token the signer backend is tested against (keys made inside it).
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "• apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Thiếu gói Debian: ${need_apt[*]} (cần quyền root để cài)." >&2
    exit 1
  fi
fi

PG_URL=${HOCBA_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/hocba}
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "• Khởi động PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

scripts/bootstrap.sh

export HOCBA_VAR=${HOCBA_TEST_VAR:-$(mktemp -d /tmp/hocba-test.XXXXXX)}
export PYTHONDONTWRITEBYTECODE=1

echo "• ruff"
.venv/bin/ruff check src tests bench
echo "• mypy"
.venv/bin/mypy
echo "• migrations are up to date"
.venv/bin/hocba manage makemigrations --check --dry-run >/dev/null

status=0
echo "• pytest on SQLite"
.venv/bin/pytest -q -p no:cacheprovider "$@" || status=$?
echo "• pytest on PostgreSQL ($PG_URL)"
DATABASE_URL=$PG_URL .venv/bin/pytest -q -p no:cacheprovider "$@" || status=$?
exit $status
