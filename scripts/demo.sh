#!/usr/bin/env bash
# The main job: set up var/, migrate the embedded SQLite database, generate the demo PKI,
# seed the demo data if the database is empty, serve on 127.0.0.1:8000, print the logins;
# the demo PKI's TSA, OCSP responder and CRL (127.0.0.1:8765) and a remote-signing service
# holding the demo keys (127.0.0.1:8766, CSC-style) run alongside and stop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --no-dev
exec .venv/bin/hocba demo "$@"
